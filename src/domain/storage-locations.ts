// The storage locations (cloud regions) GreenLake offers for cloud protection stores, as
// GET /data-services/v1beta1/storage-locations lists them: the AWS regions of the service, ids
// `aws:<region>` and names `<city> - AWS` as in the contract's examples. Without S3 targets
// (OBR_S3_TARGETS) every region is offered and a cloud store is a directory under
// <data dir>/cloud/<region>/; with them, exactly the regions that have a target are offered.

export const STORAGE_LOCATIONS_PATH = "/data-services/v1beta1/storage-locations";
const LISTED_SINCE = "2024-01-01T00:00:00.000Z";

export type Geography = "North America" | "Europe" | "Asia Pacific";

export interface StorageLocation {
  id: string;
  name: string;
  type: string;
  generation: number;
  createdAt: string;
  updatedAt: string;
  resourceUri: string;
  cloudServiceProvider: "AWS";
  cloudServiceProviderId: string;
  geography: Geography;
  city: string;
  /** Standard-time offset from UTC, e.g. UTC-05:00. */
  timezone: string;
  capabilities: string[];
}

const REGIONS: readonly [region: string, city: string, geography: Geography, timezone: string][] = [
  ["us-east-1", "N. Virginia", "North America", "UTC-05:00"],
  ["us-east-2", "Ohio", "North America", "UTC-05:00"],
  ["us-west-1", "N. California", "North America", "UTC-08:00"],
  ["us-west-2", "Oregon", "North America", "UTC-08:00"],
  ["ca-central-1", "Montreal", "North America", "UTC-05:00"],
  ["eu-central-1", "Frankfurt", "Europe", "UTC+01:00"],
  ["eu-west-1", "Ireland", "Europe", "UTC+00:00"],
  ["eu-west-2", "London", "Europe", "UTC+00:00"],
  ["eu-west-3", "Paris", "Europe", "UTC+01:00"],
  ["eu-north-1", "Stockholm", "Europe", "UTC+01:00"],
  ["eu-south-1", "Milan", "Europe", "UTC+01:00"],
  ["ap-northeast-1", "Tokyo", "Asia Pacific", "UTC+09:00"],
  ["ap-northeast-2", "Seoul", "Asia Pacific", "UTC+09:00"],
  ["ap-south-1", "Mumbai", "Asia Pacific", "UTC+05:30"],
  ["ap-southeast-1", "Singapore", "Asia Pacific", "UTC+08:00"],
  ["ap-southeast-2", "Sydney", "Asia Pacific", "UTC+10:00"],
  ["ap-southeast-3", "Jakarta", "Asia Pacific", "UTC+07:00"],
];

export const STORAGE_LOCATIONS: readonly StorageLocation[] = REGIONS.map(([region, city, geography, timezone]) => ({
  id: `aws:${region}`,
  name: `${city} - AWS`,
  type: "data-services/storage-location",
  generation: 1,
  createdAt: LISTED_SINCE,
  updatedAt: LISTED_SINCE,
  resourceUri: `${STORAGE_LOCATIONS_PATH}/aws:${region}`,
  cloudServiceProvider: "AWS",
  cloudServiceProviderId: region,
  geography,
  city,
  timezone,
  capabilities: ["backup-and-recovery"],
}));

/**
 * The location a cloud store create names: `storageLocationId` ("aws:eu-west-1") or the
 * deprecated `region` ("eu-west-1", or a location id); undefined when it names none.
 */
export function findStorageLocation(idOrRegion: string, among: readonly StorageLocation[] = STORAGE_LOCATIONS): StorageLocation | undefined {
  return among.find((l) => l.id === idOrRegion || l.cloudServiceProviderId === idOrRegion);
}

/** The locations an installation offers: those of `regions` (its S3 targets), or all when it names none. */
export function offeredLocations(regions: ReadonlySet<string> | ReadonlyMap<string, unknown>): readonly StorageLocation[] {
  return regions.size === 0 ? STORAGE_LOCATIONS : STORAGE_LOCATIONS.filter((l) => regions.has(l.cloudServiceProviderId));
}
