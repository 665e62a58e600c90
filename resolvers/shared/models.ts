/** Models for GraphQL types that have no REST payload of their own. */

/** The mobile dashboard: everything hangs off the viewer's id, so its children fetch in parallel. */
export interface DashboardModel {
  userId: string;
}
