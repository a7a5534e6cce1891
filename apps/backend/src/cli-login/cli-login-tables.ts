import type { ColumnType } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

/** A `tributary login` in progress (RFC 8628 device authorization): the device code is kept as a hash. */
export interface CliDeviceCodesTable {
  id: string;
  device_code_hash: string;
  user_code: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  approved_by: string | null;
  denied: ColumnType<boolean, boolean | undefined, boolean>;
  last_polled_at: Timestamp | null;
  redeemed_at: Timestamp | null;
}

export interface CliLoginTables {
  cli_device_codes: CliDeviceCodesTable;
}
