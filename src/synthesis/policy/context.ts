import type { Permission, SdkMethod } from '../../domain/index.js';
import type { N } from '../ast-utils.js';
import type { SynthesisConfig } from '../config.js';
import type { Folder } from '../const-fold.js';
import type { RuleId } from '../rules.js';
import type { Binding, ScopeInfo } from '../scope.js';
import type { ValueFacts } from '../value-facts.js';
import type { WriteIndex } from '../write-index.js';

/** Records one violation at a node (a repeat of the same rule, place and message is dropped). */
export type Report = (rule: RuleId, node: N | undefined, message: string) => void;

/** What every rule sees: the module's scopes and proven facts, built once per module by checkPolicy. */
export interface PolicyContext {
  scopes: ScopeInfo;
  folder: Folder;
  facts: ValueFacts;
  writes: WriteIndex;
  report: Report;
  sdkBinding: Binding | null;
  sdkMethods: Set<SdkMethod>;
  permissions: ReadonlySet<Permission> | undefined;
  config: SynthesisConfig;
}
