// The topology model: SecuredWebStackArgs → validated plain data with every default applied. No
// Pulumi types: the AWS renderer, the payload renderers and the lab all read it. This file is the
// model layer's public face; the parts live in model/:
//   shape.ts      the Model's types: roles, ports, servers, secrets, flows
//   fields.ts     field validators and SecuredWebStackArgsError
//   identity.ts, servers.ts, network.ts, adminAccess.ts, tls.ts, monitoring.ts, database.ts,
//   app.ts, resources.ts, backup.ts, patching.ts, secrets.ts   one section each
//   names.ts      the physical names (unique per stack) and their check against AWS's constraints
//   build.ts      buildModel: the sections in order, then the flows (../flows.ts)
//   cidr.ts       CIDR arithmetic on top of ipaddr.js
export { Role, Ports, serversWith, isCluster, needsInternalCa } from "./model/shape";
export { CLUSTER_NODES } from "./model/database";
export type { ServerModel, SecretRef, Model, BackupModel, PatchingModel, Flow, Endpoint } from "./model/shape";
export { SecuredWebStackArgsError } from "./model/fields";
export { buildModel } from "./model/build";
export { artifactS3Object } from "./model/app";
export type { ModelContext } from "./model/build";
export { physicalName, securityGroupDescription } from "./model/names";
export { BACKUP_DEFAULTS, BACKUP_RANGES, backupDefaults, validateBackupArgs } from "./model/backup";
export { PATCHING_DEFAULTS, validatePatchingArgs } from "./model/patching";
