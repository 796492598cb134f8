export { bucketOf, BUCKETS } from './bucketing.js';
export { servesUser, STAGE_PERCENTAGE, STAGE_ORDER } from './stages.js';
export type { RoutingGroups, ServeReason } from './stages.js';
