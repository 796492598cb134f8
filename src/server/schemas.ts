/**
 * JSON schemas of the HTTP API. Requests are validated against them (unknown fields refused), responses are
 * serialised from them (so a field not listed here never leaks), and /openapi.json is generated from them.
 */

const obj = (properties: Record<string, unknown>, required: string[] = [], extra = false) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: extra,
});
/** An object whose shape is defined elsewhere (DESIGN.md contracts); passed through as is. */
const open = (description: string) => ({ type: 'object', additionalProperties: true, description });

export const errorResponse = obj(
  {
    error: obj(
      {
        code: { type: 'string', description: 'stable error code (docs/errors.md)' },
        message: { type: 'string' },
        hint: { type: 'string', description: 'what to do about it' },
        details: open('machine-readable details'),
      },
      ['code', 'message', 'hint'],
    ),
  },
  ['error'],
);

/**
 * A screen sent in the body, base64: not empty. Said with a pattern anchored on its first character, not
 * `minLength: 1`: Ajv counts a string's length in code points, walking all of it — 5–12 ms of the serving
 * thread for the 4 MB of base64 of a 3 MB screenshot (issue 20, the cost of being a service); the pattern
 * looks at one character.
 */
export const screenBase64 = (description: string) => ({
  type: 'string',
  pattern: '^[\\s\\S]',
  description: `${description}, base64 (not empty)`,
});

export const commandBody = obj(
  {
    command: { type: 'string', description: 'the command text, e.g. "count the green circles"' },
    context: obj({
      user: { type: 'string', minLength: 1, maxLength: 200 },
      groups: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 100 } },
    }),
    screen: obj({
      path: { type: 'string', minLength: 1, maxLength: 4096, description: 'a PNG/JPEG file on the server' },
      pngBase64: screenBase64('the screen image itself'),
    }),
  },
  ['command'],
);

export const commandResponse = obj(
  {
    ok: { type: 'boolean' },
    requestId: { type: 'string' },
    capability: obj({ id: { type: 'string' }, version: { type: 'integer' }, origin: { type: 'string' } }, [
      'id',
      'version',
      'origin',
    ]),
    result: obj({ answer: { type: 'string' }, data: open('capability data') }, ['answer', 'data']),
    failure: obj(
      {
        id: { type: 'string' },
        category: {
          type: 'string',
          enum: ['missing_handler', 'low_confidence', 'timeout', 'permission', 'error', 'invalid_output'],
        },
        message: { type: 'string' },
      },
      ['id', 'category', 'message'],
    ),
    latencyMs: { type: 'number' },
  },
  ['ok', 'requestId', 'latencyMs'],
);

export const statusResponse = open(
  'getAutonomousCapabilitiesStatus(): generation, verification, rollout, failure stats',
);

/** One check of /healthz, with the name of what it checked under `what` (the store's dialect, the tier). */
const healthCheck = (what: string, more: Record<string, unknown> = {}) =>
  obj(
    {
      ok: { type: 'boolean' },
      ms: { type: 'number', description: 'how long the check took' },
      error: { type: 'string', description: 'why it failed' },
      [what]: { type: 'string' },
      ...more,
    },
    ['ok', 'ms', what, ...Object.keys(more)],
  );

/** The sandbox tier's isolation layers on this node (docs/sandbox.md), active or not and why. */
const sandboxLayers = {
  type: 'array',
  items: obj({ name: { type: 'string' }, active: { type: 'boolean' }, detail: { type: 'string' } }, [
    'name',
    'active',
    'detail',
  ]),
};

export const healthResponse = obj(
  {
    status: {
      type: 'string',
      enum: ['ok', 'degraded', 'failing'],
      description:
        'ok; degraded: the shared database is unreachable (handled commands still answered, 200); ' +
        'failing: this node cannot serve — closed, or no sandbox (503)',
    },
    checks: obj(
      {
        store: healthCheck('dialect'),
        sandbox: healthCheck('tier', { layers: sandboxLayers }),
      },
      ['store', 'sandbox'],
    ),
  },
  ['status', 'checks'],
);

const rollout = open(
  'Rollout: {id, capabilityId, version, stage, percentage, rolloutKey, stageEnteredAt, updatedAt}',
);

export const capabilityListResponse = obj(
  {
    capabilities: {
      type: 'array',
      items: obj(
        {
          manifest: open('CapabilityManifest (DESIGN.md)'),
          createdAt: { type: 'string' },
          rollout: { anyOf: [rollout, { type: 'null' }] },
          verification: {
            anyOf: [
              obj({ decision: { type: 'string' }, riskScore: { type: 'number' } }, ['decision', 'riskScore']),
              { type: 'null' },
            ],
          },
          metrics: open(
            'live numbers of the served version: requests, successRate, p99Ms, positiveFeedbackShare',
          ),
        },
        ['manifest'],
      ),
    },
  },
  ['capabilities'],
);

export const capabilityResponse = obj(
  {
    manifest: open('CapabilityManifest (DESIGN.md)'),
    code: { type: 'string', description: 'the module as stored and run: safety wrapper and guards included' },
    ownCode: {
      type: 'string',
      description:
        "the capability's own code: the stored module without the injected helpers and safety wrapper " +
        '(input/output schema checks, redaction, output cap); the same as `code` when nothing was injected',
    },
    createdAt: { type: 'string' },
    rollout: { anyOf: [rollout, { type: 'null' }] },
    events: {
      type: 'array',
      items: open('DecisionEvent: a decision with its reason and numbers (null: no data in that window)'),
    },
    reports: { type: 'array', items: open('stored synthesis/sandbox/verification/benchmark report') },
  },
  ['manifest', 'code'],
);

export const idParams = obj({ id: { type: 'string', minLength: 1, maxLength: 200 } }, ['id']);

export const rolloutListResponse = obj({ rollouts: { type: 'array', items: rollout } }, ['rollouts']);

// Query strings are strings (types are not coerced anywhere): the handler reads the number, capped at 1000.
export const failuresQuery = obj({ limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' } });

export const failuresResponse = obj(
  {
    failures: { type: 'array', items: open('Failure (DESIGN.md)') },
    patterns: { type: 'array', items: open('Pattern (DESIGN.md)') },
  },
  ['failures', 'patterns'],
);

export const rolloutActionParams = obj(
  {
    id: { type: 'string', minLength: 1, maxLength: 200 },
    action: { type: 'string', enum: ['promote', 'pause', 'resume', 'rollback'] },
  },
  ['id', 'action'],
);

export const rolloutActionBody = {
  anyOf: [
    obj({
      reason: { type: 'string', maxLength: 1000 },
      force: { type: 'boolean', description: 'promote past the verification risk cap' },
      by: {
        type: 'string',
        minLength: 1,
        maxLength: 200,
        description: 'who decides (stored with the decision event as `by`)',
      },
    }),
    { type: 'null' },
  ],
};

export const rolloutActionResponse = obj(
  {
    event: open('DecisionEvent: the transition with its reason and numbers'),
    rollout: { anyOf: [rollout, { type: 'null' }] },
  },
  ['event'],
);

export const rolloutStatusResponse = open(
  'RolloutStatus: rollout, policy, stableVersion, riskCap, open window numbers, verdict, events',
);

export const feedbackBody = obj(
  {
    requestId: { type: 'string', minLength: 1, maxLength: 100 },
    positive: { type: 'boolean' },
  },
  ['requestId', 'positive'],
);

export const okResponse = obj({ ok: { type: 'boolean' } }, ['ok']);

export const verifyBody = obj(
  {
    level: { type: 'string', enum: ['basic', 'standard', 'comprehensive', 'production'] },
    version: { type: 'integer', minimum: 1 },
  },
  ['level'],
);

export const verifyResponse = open(
  'VerificationReport: level, passed, decision, riskScore, checks, conditions…',
);

export const importBody = open('a capability bundle written by `ironcliw export`');

export const importResponse = obj(
  {
    capabilityId: { type: 'string' },
    version: { type: 'integer' },
    keyId: { type: 'string' },
    decision: { type: 'string', enum: ['approve', 'conditional', 'reject'] },
    reasons: { type: 'array', items: { type: 'string' } },
    stage: { anyOf: [{ type: 'string' }, { type: 'null' }] },
    previous: {
      anyOf: [
        obj({ version: { type: 'integer' }, stage: { anyOf: [{ type: 'string' }, { type: 'null' }] } }),
        { type: 'null' },
      ],
      description: 'the learned version this import follows (it is a new version, never a replacement)',
    },
    conditions: {
      type: 'array',
      items: { type: 'string' },
      description: 'verification conditions the rollout gate enforces (e.g. manual-promotion)',
    },
  },
  ['capabilityId', 'version', 'keyId', 'decision', 'reasons', 'stage'],
);
