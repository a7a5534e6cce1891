/** The catalogue's tables in the core database (see db/migrations/core/0004-catalogue.ts). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CatalogueTables {}
