/** Who asked and what: request context, user identity rules, the command. */

export interface RequestContext {
  user: string;
  groups?: string[];
}

/** The user id of a request that names no user. */
export const ANONYMOUS_USER = 'anonymous';
/**
 * Prefix of a user id nobody vouched for (an unauthenticated HTTP caller's `context.user`): it still keys
 * rollout buckets, but never matches a rollout's target users and never counts as a distinct user for
 * learning (docs/security.md), so a flood of invented ids cannot trigger generation.
 */
export const UNVERIFIED_USER_PREFIX = 'anon:';

/** Whether a user id is an identity someone vouched for (the library's caller, a client key, a proxy). */
export function isVerifiedUser(userId: string): boolean {
  return userId !== ANONYMOUS_USER && !userId.startsWith(UNVERIFIED_USER_PREFIX);
}

export interface Command {
  id: string;
  text: string;
  context: RequestContext;
  screenRef?: string;
  receivedAt: string;
}
