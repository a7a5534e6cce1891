/** The parts of better-auth's tables the backend reads directly (member lists, token owners). */
export interface AuthSchema {
  user: {
    id: string;
    name: string;
    email: string;
    emailVerified: boolean;
    image: string | null;
    createdAt: Date;
    updatedAt: Date;
  };
}
