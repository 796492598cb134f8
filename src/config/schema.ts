import { z } from 'zod';

/**
 * The config's one shape (zod), with every default; `load.ts` layers and validates it.
 * One validated, frozen config for the whole runtime. Sources, later wins:
 * defaults ← ironcliw.config.json (cwd) ← environment (IRONCLIW_*) ← explicit overrides (CLI flags / library).
 * Unknown keys are rejected so a typo never silently falls back to a default. Every default is in docs/config.md.
 */
const strict = <T extends z.ZodRawShape>(shape: T) => z.object(shape).strict();

const stageName = z.enum(['development', 'canary', 'beta', 'gradual', 'production']);
const stageNumbers = <T extends z.ZodTypeAny>(n: T) => ({
  development: n.optional(),
  canary: n.optional(),
  beta: n.optional(),
  gradual: n.optional(),
  production: n.optional(),
});

export const ConfigSchema = strict({
  /** Store URL: file path, sqlite:<path>, :memory:, memory:, or postgres://… */
  db: z.string().min(1).default('.ironcliw/ironcliw.db'),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(7878),
  /** Commands longer than this are refused (E_COMMAND_TOO_LONG): protects parser and store from abuse. */
  maxCommandLength: z.number().int().min(1).max(100_000).default(2000),
  /** Screens above this many pixels are refused before decoding (E_IMAGE_TOO_LARGE): decompression bombs. */
  maxImagePixels: z.number().int().min(1).default(40_000_000),
  /** HTTP body limit (a base64 1920×1080 PNG is a few MB). */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  /** Optional key required on mutating HTTP routes (x-api-key). */
  apiKey: z.string().min(8).optional(),
  understanding: strict({
    /** Below this parser confidence a command is a `low_confidence` failure rather than a guess. */
    minConfidence: z.number().min(0).max(1).default(0.6),
  }).default({ minConfidence: 0.6 }),
  discovery: strict({
    /** Failures with one frame signature needed before generation starts. */
    minOccurrences: z.number().int().min(1).default(3),
    /** Distinct users among them: one user repeating a command is not yet a pattern. */
    minDistinctUsers: z.number().int().min(1).default(2),
    /** Only failures this recent count towards the thresholds. */
    windowMs: z
      .number()
      .int()
      .min(1000)
      .default(7 * 24 * 3600 * 1000),
    /** Partly understood commands at least this similar in wording (0..1) are clustered as one pattern. */
    textSimilarity: z.number().min(0).max(1).default(0.6),
    /**
     * A failure is folded into its pattern this long after it was recorded, with the failures of the same
     * pattern recorded meanwhile (one fold for a burst; off the requests that recorded them).
     */
    observeDelayMs: z.number().int().min(0).max(60_000).default(100),
  }).default({
    minOccurrences: 3,
    minDistinctUsers: 2,
    windowMs: 7 * 24 * 3600 * 1000,
    textSimilarity: 0.6,
    observeDelayMs: 100,
  }),
  sandbox: strict({
    tier: z.enum(['process', 'container']).default('process'),
    poolSize: z.number().int().min(1).max(32).default(2),
    /**
     * Children kept once the pool has had no run for `poolIdleMs` (each ≈ 50 MB of RSS); the next run brings
     * it back to `poolSize` in the background. Capped at `poolSize`.
     */
    minPoolSize: z.number().int().min(1).max(32).default(1),
    /**
     * Idle time after which the pool shrinks to `minPoolSize`; 0 (default) keeps `poolSize` children always:
     * a burst right after an idle spell was measured over its 25 ms p99 budget on a shrunk pool.
     */
    poolIdleMs: z.number().int().min(0).max(86_400_000).default(0),
    /**
     * Idle time after which children that ran code are replaced by fresh ones, one at a time (their heaps
     * keep what the runs left); 0 never replaces them.
     */
    poolRefreshIdleMs: z.number().int().min(0).max(86_400_000).default(30_000),
    /** Default limits for generated capabilities (a manifest may ask for less, never more). */
    timeoutMs: z.number().int().min(10).max(60_000).default(5000),
    memoryMb: z.number().int().min(16).max(1024).default(128),
    /**
     * Where no network namespace can be made, the process tier refuses to start (fail closed): its children
     * would share the host's network. `true` accepts that risk; /healthz and `status` then show the layer off.
     */
    allowSharedNetwork: z.boolean().default(false),
    /**
     * On a root host, children are dropped to uid/gid 65534; where that is impossible (no setpriv, or the
     * runtime files are not readable by that user) the tier refuses to start. `true` accepts root children.
     */
    allowRootChildren: z.boolean().default(false),
  }).default({
    tier: 'process',
    poolSize: 2,
    minPoolSize: 1,
    poolIdleMs: 0,
    poolRefreshIdleMs: 30_000,
    timeoutMs: 5000,
    memoryMb: 128,
    allowSharedNetwork: false,
    allowRootChildren: false,
  }),
  rollout: strict({
    internalGroup: z.string().default('internal'),
    betaGroup: z.string().default('beta'),
    /** The decision matrix (docs/rollout.md); every key optional, the defaults there. */
    decision: strict({
      minSuccessRate: z.number().min(0).max(1).optional(),
      maxErrorRate: z.number().min(0).max(1).optional(),
      errorCategories: z
        .array(
          z.enum(['missing_handler', 'low_confidence', 'timeout', 'permission', 'error', 'invalid_output']),
        )
        .optional(),
      maxP99Ms: z.number().positive().optional(),
      minPositiveFeedback: z.number().min(0).max(1).optional(),
      minFeedback: z.number().int().min(0).optional(),
      minSamples: strict(stageNumbers(z.number().int().min(0))).optional(),
      dwellMs: strict(stageNumbers(z.number().int().min(0))).optional(),
      riskCaps: strict({
        approve: stageName.optional(),
        conditional: stageName.optional(),
        reject: stageName.optional(),
        unverified: stageName.optional(),
      }).optional(),
    }).default({}),
    /** How often a node writes its buffered rollout metrics to the store. */
    flushIntervalMs: z.number().int().min(50).default(1000),
    /** How often a node re-reads rollouts changed by other nodes. */
    refreshIntervalMs: z.number().int().min(50).default(1000),
    /** How often a node judges every open stage window. */
    evaluateIntervalMs: z.number().int().min(50).default(5000),
  }).default({
    internalGroup: 'internal',
    betaGroup: 'beta',
    decision: {},
    flushIntervalMs: 1000,
    refreshIntervalMs: 1000,
    evaluateIntervalMs: 5000,
  }),
  server: strict({
    /** Requests per minute one client (IP) may make; beyond it, 429 E_RATE_LIMITED. 0 turns it off. */
    rateLimitPerMinute: z.number().int().min(0).default(6000),
    /**
     * pino log level of `ironcliw serve` (JSON lines on stdout; `--log-level`). `warn` by default: at `info`
     * every request writes a line, which buries what matters in a terminal.
     */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
    /**
     * How long `serve` (and its learner, `learn`) may take to stop gracefully after SIGINT/SIGTERM — finish
     * in-flight requests, stop the learner, close the store — before it exits anyway (exit 1). Bounds a stop
     * whatever was served; nothing is lost by it (failures are stored first, learning jobs resume).
     */
    shutdownTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    /**
     * Folder HTTP clients may name screens in (`screen.path`, resolved inside it). Unset: `screen.path` is
     * refused over HTTP, so a remote client can never make the server open arbitrary files.
     */
    screenRoot: z.string().min(1).optional(),
    /**
     * Per-client API keys (x-api-key). A request's groups come from its credentials, never from what an
     * unauthenticated body claims: a client may assert only the groups listed here (`*` = any), and only an
     * `admin` client may change rollouts, verify or import. The legacy `apiKey` is an admin client that may
     * assert any group. Give the key's SHA-256 (hex) rather than the key itself where the file is shared.
     */
    clients: z
      .array(
        strict({
          name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
          key: z.string().min(16).optional(),
          keySha256: z
            .string()
            .regex(/^[0-9a-f]{64}$/)
            .optional(),
          groups: z.array(z.string().min(1).max(100)).max(50).default([]),
          admin: z.boolean().default(false),
        }).refine((c) => (c.key === undefined) !== (c.keySha256 === undefined), {
          message: 'give exactly one of key or keySha256',
        }),
      )
      .max(1000)
      .default([]),
    /**
     * Addresses (or CIDR ranges) of reverse proxies in front of this server. Only a request whose socket
     * comes from one of them has its X-Forwarded-For believed (rate limiting per real client) and its
     * identity headers (`proxyIdentity`) accepted. Empty: no proxy is trusted.
     */
    trustProxy: z.array(z.string().min(1)).default([]),
    /**
     * Trusted-proxy identity: a proxy at a `trustProxy` address that has authenticated the user sets these
     * headers (user id; comma-separated groups). Ignored (and never believed) from any other address.
     */
    proxyIdentity: strict({
      userHeader: z
        .string()
        .regex(/^[a-z0-9-]+$/)
        .default('x-ironcliw-user'),
      groupsHeader: z
        .string()
        .regex(/^[a-z0-9-]+$/)
        .default('x-ironcliw-groups'),
    }).optional(),
    /** Commands from callers with no credentials: served as anonymous users (true) or refused with 401. */
    allowAnonymous: z.boolean().default(true),
    /**
     * Origins (scheme://host[:port]) besides the server's own allowed to send mutating requests (a browser
     * page elsewhere that operates this server). Every other cross-site POST is refused (E_FORBIDDEN).
     */
    allowedOrigins: z.array(z.string().url()).default([]),
    /**
     * Host header values (host or host:port) besides the server's own address and localhost names. A request
     * naming another host is refused: DNS rebinding turns a hostile page into a same-origin client otherwise.
     */
    allowedHosts: z.array(z.string().min(1).max(255)).default([]),
  }).default({
    rateLimitPerMinute: 6000,
    logLevel: 'warn',
    shutdownTimeoutMs: 10_000,
    clients: [],
    trustProxy: [],
    allowAnonymous: true,
    allowedOrigins: [],
    allowedHosts: [],
  }),
  /**
   * Host work done on behalf of one run or request, bounded like the run itself (docs/security.md): the
   * sandbox limits the guest, these limit what its sdk calls and its screen make the host do.
   */
  hostWork: strict({
    /** SDK calls one generated capability's run may make (each one is host work: a scan, a read…). */
    maxSdkCalls: z.number().int().min(1).max(100_000).default(200),
    /** Host time (ms) one generated capability's sdk calls may use in total; then the run is stopped. */
    maxHostMs: z.number().int().min(10).max(600_000).default(3000),
    /**
     * Decoded screen pixels held at once by requests in flight (RGBA: 4 bytes each, so the default is
     * ≈ 192 MB). An image larger than the whole budget is admitted only alone.
     */
    decodePixelsInFlight: z.number().int().min(1).default(48_000_000),
    /** Requests waiting for decode budget; beyond it 503 E_BUSY with Retry-After. */
    decodeQueue: z.number().int().min(0).max(10_000).default(16),
    /** Longest wait for decode budget before 503 E_BUSY. */
    decodeWaitMs: z.number().int().min(0).max(600_000).default(10_000),
  }).default({
    maxSdkCalls: 200,
    maxHostMs: 3000,
    decodePixelsInFlight: 48_000_000,
    decodeQueue: 16,
    decodeWaitMs: 10_000,
  }),
  /**
   * Verification thresholds and weights (docs/verification.md). Validated key by key by the verification
   * stage when the runtime starts (unknown keys → E_CONFIG_INVALID), which owns their schema and defaults.
   */
  verification: z.record(z.string(), z.unknown()).default({}),
  /**
   * Optional LLM generation (off by default): any OpenAI-compatible endpoint writes code for patterns no template
   * family handles, and for capability evolution; its output goes through the same gate and verification.
   */
  llm: strict({
    enabled: z.boolean().default(false),
    baseUrl: z.string().url().default('http://127.0.0.1:8080/v1'),
    model: z.string().min(1).default('local-model'),
    /** Name of the environment variable that holds the API key (never the key itself). */
    apiKeyEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .default('IRONCLIW_LLM_API_KEY'),
    maxAttempts: z.number().int().min(1).max(10).default(3),
    timeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
  }).default({
    enabled: false,
    baseUrl: 'http://127.0.0.1:8080/v1',
    model: 'local-model',
    apiKeyEnv: 'IRONCLIW_LLM_API_KEY',
    maxAttempts: 3,
    timeoutMs: 30_000,
  }),
  actions: strict({
    /**
     * What `sdk.actions.*` does: `record` returns the actions in the result without touching any screen;
     * `x11` performs them on $DISPLAY with xdotool (E_ACTUATOR_UNAVAILABLE where there is no display).
     */
    actuator: z.enum(['record', 'x11']).default('record'),
  }).default({ actuator: 'record' }),
  demonstrations: strict({
    /** Learn a pattern from its demonstrations once it has this many (and again with each new one). */
    learnFrom: z.number().int().min(1).max(100).default(1),
    /**
     * While a pattern has fewer demonstrations than this, equally simple programs that would act differently
     * ask for another demonstration instead of guessing; from this many on the preferred one is learned.
     */
    askUntil: z.number().int().min(1).max(100).default(3),
    /** The newest demonstrations of a pattern learned from (bounds the learner's work per job). */
    maxPerPattern: z.number().int().min(1).max(200).default(20),
    /**
     * How long the screen of a failed command is kept so it can be demonstrated on (dashboard); then purged.
     * `0` keeps none. Screens demonstrated on are kept with their demonstration.
     */
    screenRetentionMs: z
      .number()
      .int()
      .min(0)
      .default(7 * 24 * 3600 * 1000),
    /** Most time `teach --demo` / `wait: true` waits for learning to finish before answering `learning`. */
    waitMs: z.number().int().min(0).max(600_000).default(60_000),
  }).default({
    learnFrom: 1,
    askUntil: 3,
    maxPerPattern: 20,
    screenRetentionMs: 7 * 24 * 3600 * 1000,
    waitMs: 60_000,
  }),
  sharing: strict({
    /** This deployment's Ed25519 signing key (`signing-key.pem`) and the keys it trusts (`trusted/*.pem`). */
    keysDir: z.string().min(1).default('.ironcliw/keys'),
  }).default({ keysDir: '.ironcliw/keys' }),
  /**
   * What an idle process gives back (issue 20, docs/performance.md "Memory"): each heavy resource started on
   * demand ends after this many ms unused and starts again on the next use. `0` keeps it until the process
   * stops.
   */
  memory: strict({
    /** OCR (tesseract.js) worker threads, ≈ 170 MB each; a new one takes 1-2 s to start. */
    ocrIdleMs: z.number().int().min(0).default(60_000),
    /**
     * The sandbox pool of a learning-only node (`ironcliw learn`, serve's learner): its launcher and
     * `sandbox.poolSize` children, ≈ 150 MB, started by the next job that runs code. A serving node's pool
     * stays warm (its first call must be fast).
     */
    learnerSandboxIdleMs: z.number().int().min(0).default(60_000),
    /** `serve`'s screen-scan worker thread, which holds its own OpenCV (≈ 90 MB). */
    visionWorkerIdleMs: z.number().int().min(0).default(60_000),
    /**
     * `serve` runs a full garbage collection after this many ms without a command, and again each time as
     * long again passes (at most 4 per idle spell): an idle process allocates nothing, so V8 would keep the
     * last requests' screens. `0` never does.
     */
    idleGcMs: z.number().int().min(0).default(30_000),
    /**
     * Screens whose UI elements are kept by pixel content (`sdk.vision.elements` on an unchanged screen is
     * answered from it): the elements only, a few KB each, never the pixels. `0` keeps none.
     */
    elementScreens: z.number().int().min(0).max(10_000).default(16),
    /**
     * Pieces of text whose OCR reading is kept by their prepared pixels (a label seen before is not read
     * again), ≈ 0.3 KB each. `0` keeps none.
     */
    ocrMemoPieces: z.number().int().min(0).max(1_000_000).default(4096),
    /**
     * `serve`'s learner process (≈ 300 MB once it has learned): started when a learning job is queued, it
     * exits after this many ms with no job to run, and the next job starts it again (≈ 1-2 s). `0` starts it
     * with the server and keeps it. An `ironcliw learn` run by hand never exits for being idle.
     */
    learnerIdleMs: z.number().int().min(0).default(60_000),
    /**
     * How often `serve` looks in the store for learning jobs it did not enqueue itself while its learner is
     * not running: jobs queued by other nodes, or a job whose learner died mid-way once its lease ran out.
     * Its own jobs start the learner at once. On PostgreSQL a new job is also announced (LISTEN/NOTIFY).
     */
    learnerPollMs: z.number().int().min(100).default(10_000),
  }).default({
    ocrIdleMs: 60_000,
    learnerSandboxIdleMs: 60_000,
    visionWorkerIdleMs: 60_000,
    idleGcMs: 30_000,
    elementScreens: 16,
    ocrMemoPieces: 4096,
    learnerIdleMs: 60_000,
    learnerPollMs: 10_000,
  }),
  pipeline: strict({
    /** Run learning jobs in this process. A node with it off still records failures and serves. */
    enabled: z.boolean().default(true),
    /**
     * Where `serve` runs learning: `process` — a child learner at the lowest CPU priority (verification's
     * pixel work never blocks the serving event loop); `inline` — in the serving process. Stores that cannot
     * be shared between processes (`memory:`, `:memory:`) always learn inline.
     */
    learner: z.enum(['process', 'inline']).default('process'),
    /**
     * CPU priority of the learner process: `nice` — nice 19 for all its threads and children; `idle` — also
     * Linux's SCHED_IDLE (util-linux `chrt`), which runs it only when a core would otherwise be idle and lets
     * any request preempt it at once. Falls back to `nice` where `chrt` or SCHED_IDLE is not available.
     */
    learnerPriority: z.enum(['nice', 'idle']).default('nice'),
    concurrency: z.number().int().min(1).max(8).default(1),
    /** A job not finished within its lease is taken over by another worker (crash recovery). */
    leaseMs: z.number().int().min(1000).default(60_000),
    /**
     * How much evidence a candidate needs before it may reach users (docs/verification.md). `production`
     * adds a sandbox benchmark against budgets and a regression check against the live version.
     */
    verificationLevel: z.enum(['standard', 'comprehensive', 'production']).default('production'),
    /** Measured sandbox runs of the production-level benchmark of each candidate. */
    benchmarkIterations: z.number().int().min(5).max(10_000).default(40),
    /** Claims of one learning job before it is given up (job failed, pattern rejected, with the reason): stops a crash loop. */
    maxAttempts: z.number().int().min(1).max(100).default(5),
    /**
     * Most versions one capability may register within `versionWindowMs`: evolution beyond it waits (the
     * pattern says until when), so complaints cannot churn out versions faster than people can review them.
     */
    maxVersionsPerWindow: z.number().int().min(1).max(1000).default(3),
    versionWindowMs: z.number().int().min(1000).default(3_600_000),
  }).default({
    enabled: true,
    learner: 'process',
    learnerPriority: 'nice',
    concurrency: 1,
    leaseMs: 60_000,
    verificationLevel: 'production',
    benchmarkIterations: 40,
    maxAttempts: 5,
    maxVersionsPerWindow: 3,
    versionWindowMs: 3_600_000,
  }),
});

export type IroncliwConfig = Readonly<z.infer<typeof ConfigSchema>>;
export type IroncliwConfigInput = z.input<typeof ConfigSchema>;
