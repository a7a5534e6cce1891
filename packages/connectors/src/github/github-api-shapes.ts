import { z } from "zod";

/**
 * The fields of GitHub's answers the check reads. Objects stay loose: GitHub adds fields over time and
 * the check must not break on them.
 */
export const githubUserSchema = z.object({
  login: z.string(),
  id: z.number(),
  type: z.string().optional(),
  email: z.string().nullish(),
});

export const githubAccountOwnerSchema = z.object({
  login: z.string(),
  id: z.number(),
  type: z.string().optional(),
});

export const githubOrganizationSchema = z.object({
  login: z.string(),
  id: z.number(),
});

export const githubRepositorySchema = z.object({
  id: z.number(),
  full_name: z.string(),
  private: z.boolean(),
  owner: githubAccountOwnerSchema,
});

export const githubInstallationRepositoriesSchema = z.object({
  total_count: z.number(),
  repository_selection: z.string().optional(),
  repositories: z.array(githubRepositorySchema),
});

export type GithubUser = z.infer<typeof githubUserSchema>;
export type GithubRepository = z.infer<typeof githubRepositorySchema>;
