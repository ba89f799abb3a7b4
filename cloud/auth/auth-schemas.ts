import { z } from 'zod';
import { ROLES } from './access.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from './password.ts';

export const Username = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/,
    'letters, digits and _ . @ - (at most 64, not starting with a symbol)',
  )
  .describe('Login name');

export const RoleSchema = z
  .enum(ROLES)
  .describe('viewer (read) ⊂ operator (+ configure gateways) ⊂ admin (everything)');

export const NewPassword = z
  .string()
  .min(PASSWORD_MIN, `at least ${PASSWORD_MIN} characters`)
  .max(PASSWORD_MAX)
  .describe(`At least ${PASSWORD_MIN} characters`);

export const LoginBody = z
  .object({
    username: z.string().min(1).max(64),
    password: z.string().min(1).max(PASSWORD_MAX),
  })
  .strict();

export const RefreshBody = z
  .object({
    refreshToken: z.string().min(1).max(256).describe('The opaque token from login or the last refresh'),
  })
  .strict();

export const TokenPairSchema = z
  .object({
    accessToken: z.string().describe('JWT; send as `Authorization: Bearer …`'),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().describe('Seconds until the access token expires'),
    refreshToken: z.string().describe('Opaque, single use: each refresh returns a new one'),
    refreshExpiresIn: z.number().int().describe('Seconds until the refresh token expires'),
    user: z.object({ username: z.string(), role: RoleSchema }),
  })
  .strict();

export const UserSchema = z
  .object({
    username: z.string(),
    role: RoleSchema,
    createdAt: z.date(),
    disabled: z.boolean(),
  })
  .strict();

export const CreateUserBody = z
  .object({ username: Username, password: NewPassword, role: RoleSchema })
  .strict();

export const UpdateUserBody = z
  .object({
    role: RoleSchema.optional(),
    password: NewPassword.optional(),
    disabled: z.boolean().optional().describe('Disabling also ends all the user’s sessions'),
  })
  .strict();
