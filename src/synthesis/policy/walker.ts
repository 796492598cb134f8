import type { Comment } from 'acorn';
import { simple as walkSimple } from 'acorn-walk';
import type { Permission, SdkMethod, Violation } from '../../domain/index.js';
import { scanText, SDK_METHODS } from '../../domain/index.js';
import type { Frame, N } from '../ast-utils.js';
import { position, walkWithPath } from '../ast-utils.js';
import type { SynthesisConfig } from '../config.js';
import { Folder, findIndexParams } from '../const-fold.js';
import type { RuleId } from '../rules.js';
import { RULES } from '../rules.js';
import { analyzeScopes } from '../scope.js';
import { ValueFacts } from '../value-facts.js';
import { collectWrites } from '../write-index.js';
import { checkCall } from './calls.js';
import type { PolicyContext } from './context.js';
import { checkReference } from './globals.js';
import { checkFoldedSecret, checkLiteral, checkLiteralSize, checkString, isConcatRoot } from './literals.js';
import { checkLoop } from './loops.js';
import { checkMemberWrite, isAssignmentPattern, patternMemberTargets } from './member-writes.js';
import { checkMember } from './members.js';
import { checkExportPlacement, checkModuleShape, findSdkBinding } from './module-shape.js';
import { checkProperty } from './properties.js';
import { ALLOWED_NODE_TYPES, checkFunctionSyntax, reportDisallowedType } from './syntax.js';

/**
 * The walker: sets up what the rules need (scopes, constant folding, value facts, the write index), walks the
 * module once and hands each node to the rule for its type, then scans comments and sums up permissions. The
 * rules on nodes live in the files beside this one, one concern each.
 */

export interface PolicyInput {
  program: N;
  comments: readonly Comment[];
  config: SynthesisConfig;
  permissions?: ReadonlySet<Permission>;
}

export interface PolicyResult {
  violations: Violation[];
  /** SDK methods the module calls (statically, by the only form allowed). */
  sdkMethods: SdkMethod[];
  /** Permissions those calls need. */
  requiredPermissions: Permission[];
}

/** Runs every AST rule over one parsed module. Pure: never evaluates the code. */
export function checkPolicy(input: PolicyInput): PolicyResult {
  const { program, config } = input;
  const violations: Violation[] = [];
  const seen = new Set<string>();
  const report = (rule: RuleId, node: N | undefined, message: string): void => {
    const { line, column } = position(node);
    const key = `${rule}:${line}:${column}:${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    violations.push({ rule, severity: RULES[rule].severity, message, line, column });
  };

  const scopes = analyzeScopes(program, config.maxDepth);
  const calls: N[] = [];
  const forOfs: N[] = [];
  try {
    walkSimple(program as never, {
      CallExpression: (n: unknown) => void calls.push(n as N),
      ForOfStatement: (n: unknown) => void forOfs.push(n as N),
    });
  } catch {
    // Stack exhaustion on pathological nesting: fewer known index parameters only makes the policy stricter.
  }
  const indexParams = findIndexParams(calls, scopes, new Folder(scopes));
  const folder = new Folder(scopes, indexParams);
  const sdkMethods = new Set<SdkMethod>();

  const run = checkModuleShape(program, report);
  const sdkBinding = findSdkBinding(run, scopes, report);

  const inputParam: N | undefined = run?.params?.[0];
  const inputBinding =
    inputParam?.type === 'Identifier'
      ? (scopes.scopeOf.get(run as N)?.bindings.get(String(inputParam.name)) ?? null)
      : null;
  const facts = new ValueFacts(scopes, folder, inputBinding, sdkBinding, calls, forOfs);
  const writes = collectWrites(program, scopes, config.maxDepth);
  const ctx: PolicyContext = {
    scopes,
    folder,
    facts,
    writes,
    report,
    sdkBinding,
    sdkMethods,
    permissions: input.permissions,
    config,
  };

  walkWithPath(
    program,
    (node, key, path) => checkNode(node, key, path, ctx),
    config.maxDepth,
    (node) => report('nesting-too-deep', node, `syntax nested deeper than ${config.maxDepth} levels`),
  );

  for (const comment of input.comments) {
    for (const f of scanText(comment.value)) {
      report(
        f.rule,
        { type: 'Comment', start: comment.start, end: comment.end, loc: comment.loc } as N,
        `${f.kind} in a comment`,
      );
    }
  }

  const requiredPermissions = new Set<Permission>();
  for (const m of sdkMethods) {
    const p = SDK_METHODS[m];
    if (p) requiredPermissions.add(p);
  }
  violations.sort((a, b) => a.line - b.line || a.column - b.column || a.rule.localeCompare(b.rule));
  return {
    violations,
    sdkMethods: [...sdkMethods].sort(),
    requiredPermissions: [...requiredPermissions].sort(),
  };
}

function checkNode(node: N, key: string, path: readonly Frame[], ctx: PolicyContext): void {
  const parent = path[path.length - 1]?.node;

  if (!ALLOWED_NODE_TYPES.has(node.type)) {
    reportDisallowedType(node, ctx);
    return;
  }

  switch (node.type) {
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
      checkFunctionSyntax(node, ctx);
      break;
    case 'ExportDefaultDeclaration':
      checkExportPlacement(node, parent, ctx);
      break;
    case 'Property':
      checkProperty(node, parent, ctx);
      break;
    case 'Identifier':
      if (ctx.scopes.refs.has(node)) checkReference(node, key, path, ctx);
      break;
    case 'MemberExpression':
      checkMember(node, key, path, ctx);
      break;
    case 'CallExpression':
    case 'NewExpression':
      checkCall(node, ctx);
      break;
    case 'Literal':
      checkLiteral(node, key, parent, ctx);
      break;
    case 'BinaryExpression':
    case 'TemplateLiteral':
      if (isConcatRoot(node, parent)) checkFoldedSecret(node, ctx);
      break;
    case 'TemplateElement': {
      const cooked = node.value?.cooked;
      if (typeof cooked === 'string') checkString(cooked, node, ctx);
      break;
    }
    case 'ArrayExpression':
    case 'ObjectExpression':
      checkLiteralSize(node, ctx);
      break;
    case 'WhileStatement':
    case 'DoWhileStatement':
    case 'ForStatement':
      checkLoop(node, ctx);
      break;
    case 'UnaryExpression':
      if (node.operator === 'delete' && node.argument?.type === 'MemberExpression')
        checkMemberWrite(node.argument, ctx, { kind: 'delete' });
      break;
    case 'AssignmentExpression':
      if (node.left?.type === 'MemberExpression')
        checkMemberWrite(node.left, ctx, {
          kind: 'assign',
          operator: String(node.operator),
          value: node.right,
        });
      break;
    case 'UpdateExpression':
      if (node.argument?.type === 'MemberExpression')
        checkMemberWrite(node.argument, ctx, { kind: 'update' });
      break;
    case 'ForInStatement':
    case 'ForOfStatement':
      if (node.left?.type === 'MemberExpression') checkMemberWrite(node.left, ctx, { kind: 'pattern' });
      break;
    case 'ArrayPattern':
    case 'ObjectPattern':
      if (isAssignmentPattern(path)) {
        for (const target of patternMemberTargets(node)) checkMemberWrite(target, ctx, { kind: 'pattern' });
      }
      break;
    default:
      break;
  }
}
