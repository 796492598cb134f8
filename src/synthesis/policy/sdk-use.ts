import { SDK_METHODS, isSdkMethod } from '../../domain/index.js';
import type { Frame, N } from '../ast-utils.js';
import type { PolicyContext } from './context.js';

/**
 * The only allowed use of `sdk`: a direct call `sdk.group.method(...)` / `sdk.method(...)` with static names.
 * Anything else (aliasing, passing it on, `sdk[x]`, destructuring, `.call`) would hide calls from the
 * permission check.
 */
export function checkSdkUse(node: N, key: string, path: readonly Frame[], ctx: PolicyContext): void {
  const { report } = ctx;
  if (ctx.scopes.writeRefs.has(node)) {
    report('sdk-escape', node, 'the sdk parameter must not be reassigned');
    return;
  }
  const segments: string[] = [];
  let idx = path.length - 1;
  let curKey = key;
  let computed = false;
  while (segments.length < 2) {
    const p = path[idx]?.node;
    if (p?.type !== 'MemberExpression' || curKey !== 'object') break;
    if (p.computed || p.property?.type !== 'Identifier') {
      computed = true;
      break;
    }
    segments.push(String(p.property.name));
    curKey = path[idx]?.key ?? '';
    idx--;
    if (isSdkMethod(segments.join('.'))) break;
  }
  const holder = path[idx]?.node;
  const called = holder?.type === 'CallExpression' && curKey === 'callee' && segments.length > 0 && !computed;
  const method = segments.join('.');
  if (!called) {
    if (computed) report('sdk-escape', node, 'computed access on sdk hides which method is called');
    else if (segments.length === 0)
      report('sdk-escape', node, 'sdk must not be aliased, passed on or stored');
    else report('sdk-escape', node, `sdk.${method} must be called directly, not taken as a value`);
    return;
  }
  if (!isSdkMethod(method)) {
    report('unknown-sdk-method', node, `sdk.${method} is not an SDK method`);
    return;
  }
  ctx.sdkMethods.add(method);
  const needed = SDK_METHODS[method];
  if (needed && ctx.permissions && !ctx.permissions.has(needed)) {
    report(
      'permission-mismatch',
      node,
      `sdk.${method} needs permission ${needed}, which the manifest does not declare`,
    );
  }
}
