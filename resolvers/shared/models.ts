/** Models for GraphQL types that have no REST payload of their own. */

/** The mobile dashboard: everything hangs off the viewer's id, so its children fetch in parallel. */
export interface DashboardModel {
  userId: string;
}

/**
 * The signed-in user as the schema's `Viewer` (web) and `User` (mobile) see
 * it: only the id, known from the token. The profile fields load the user
 * themselves (`profileField`), so a users-service failure nulls those fields
 * and nothing else.
 */
export interface ProfileModel {
  id: string;
}
