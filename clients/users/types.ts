import type { Tier } from '../types.js';

export interface User {
  id: string;
  name: string;
  email: string;
  avatarUrl: string;
  avatarThumbUrl: string;
  tier: Tier;
  createdAt: string;
}
