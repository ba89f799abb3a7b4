/**
 * Who may call a route. Every route declares `config: { access: [...] }`; a request passes when its
 * principal satisfies any entry. Roles are hierarchical (admin ⊇ operator ⊇ viewer); `gateway` is a
 * gateway bearer token (never a user); `public` lets anyone in.
 */
export const ACCESS_LEVELS = ['public', 'viewer', 'operator', 'admin', 'gateway'] as const;
export type Access = (typeof ACCESS_LEVELS)[number];

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface UserPrincipal {
  kind: 'user';
  userId: number;
  username: string;
  role: Role;
}

export interface GatewayPrincipal {
  kind: 'gateway';
  gatewayId: string;
  siteId: string;
}

export type Principal = UserPrincipal | GatewayPrincipal;

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** Whether `principal` (undefined = anonymous) may call a route declaring `access`. */
export function allows(access: readonly Access[], principal: Principal | undefined): boolean {
  for (const a of access) {
    if (a === 'public') return true;
    if (!principal) continue;
    if (a === 'gateway') {
      if (principal.kind === 'gateway') return true;
    } else if (principal.kind === 'user' && roleAtLeast(principal.role, a)) {
      return true;
    }
  }
  return false;
}

/** Human form for docs: `viewer+`, `gateway`, `public`. */
export function describeAccess(access: readonly Access[]): string {
  return access.map((a) => (a === 'viewer' || a === 'operator' ? `${a}+` : a)).join(', ');
}

export function isAccessList(value: unknown): value is Access[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => (ACCESS_LEVELS as readonly unknown[]).includes(v))
  );
}
