-- 050_auth: users, refresh tokens, login rate limiting and the audit log (owner: cloud-api).

create table users (
  user_id bigserial primary key,
  username text not null unique check (username ~ '^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$'),
  password_hash text not null,
  role text not null check (role in ('admin', 'operator', 'viewer')),
  created_at timestamptz not null default now(),
  disabled_at timestamptz
);

-- Refresh tokens are opaque; only their sha256 is stored. Each use rotates the token: the old row gets
-- revoked_at and replaced_by. Every token descends from one login (family_id); presenting a token that was
-- already rotated means it leaked, and the whole family is revoked.
create table refresh_tokens (
  token_sha256 text primary key,
  user_id bigint not null references users on delete cascade,
  family_id uuid not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  replaced_by text
);
create index refresh_tokens_user_idx on refresh_tokens (user_id);
create index refresh_tokens_family_idx on refresh_tokens (family_id);
create index refresh_tokens_expires_idx on refresh_tokens (expires_at);

-- Login attempts per fixed one-minute window and key ('ip:<address>' or 'user:<name>'). Kept in the database,
-- not in process memory, so the limit holds across API instances behind a load balancer.
create table login_attempts (
  key text not null,
  window_start timestamptz not null,
  count int not null,
  primary key (key, window_start)
);
create index login_attempts_window_idx on login_attempts (window_start);

create table audit_log (
  id bigserial primary key,
  at timestamptz not null default now(),
  actor_kind text not null check (actor_kind in ('user', 'gateway', 'anonymous')),
  actor_id text,
  action text not null,
  target text,
  status int not null,
  source_ip text,
  details jsonb
);
create index audit_log_at_idx on audit_log (at);
create index audit_log_actor_idx on audit_log (actor_id, id);
