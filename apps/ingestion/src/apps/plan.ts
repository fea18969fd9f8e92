export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export const PRIVILEGES = ['exports:read', 'exports:write', 'settings:write', 'privacy:write'] as const;
export type Privilege = (typeof PRIVILEGES)[number];
