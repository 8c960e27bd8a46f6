import type { GetAuthUserResponseBody } from "@vercel/sdk/models/getauthuserop.js";
import type { Team } from "@vercel/sdk/models/team.js";

/**
 * Who the sandbox's Vercel token belongs to: one user, member of one team that owns the
 * projects. The CLI reads the user first for nearly every command (GET /v2/user) and the team
 * when given --scope or a linked project's orgId.
 */
export const SANDBOX_USER = {
  id: "usr_gardesandbox000000000000",
  username: "garde-sandbox",
  email: "sandbox@garde.invalid",
  name: "garde sandbox",
} as const;

export const SANDBOX_TEAM = {
  id: "team_gardesandbox0000000000",
  slug: "garde-sandbox",
  name: "garde sandbox",
};

/** The account was made when the sandbox was first built; a fixed date keeps listings stable. */
const CREATED_AT = Date.UTC(2026, 0, 5);

export function wireUser(): GetAuthUserResponseBody {
  return {
    user: {
      ...SANDBOX_USER,
      avatar: null,
      billing: null,
      createdAt: CREATED_AT,
      defaultTeamId: SANDBOX_TEAM.id,
      hasTrialAvailable: false,
      resourceConfig: { concurrentBuilds: 1 },
      softBlock: null,
      stagingPrefix: "garde-sandbox",
    },
  };
}

export function wireTeam(): Team {
  const team: Team = {
    ...SANDBOX_TEAM,
    avatar: null,
    billing: null,
    createdAt: CREATED_AT,
    creatorId: SANDBOX_USER.id,
    description: "The team garde sandbox projects belong to.",
    stagingPrefix: "garde-sandbox",
    updatedAt: CREATED_AT,
    membership: {
      role: "OWNER",
      confirmed: true,
      created: CREATED_AT,
      createdAt: CREATED_AT,
      teamId: SANDBOX_TEAM.id,
      uid: SANDBOX_USER.id,
    },
  };
  return team;
}
