export interface Notification {
  id: string;
  userId: string;
  kind: string;
  message: string;
  read: boolean;
  createdAt: string;
}
