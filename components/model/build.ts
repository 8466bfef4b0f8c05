// buildModel: SecuredWebStackArgs → the validated topology model, one named section at a time. Every
// section records its problems in one list, so a single call reports every bad field; nothing is
// derived (servers' secrets, flows) until the list is empty.
import { DatabaseTopology, NetworkMode, OsFamily, SecuredWebStackArgs, TlsMode } from "../types";
import { importedCertificateProblems } from "./certificate";
import { buildFlows } from "../flows";
import { nthAddress } from "./cidr";
import { Problems, SecuredWebStackArgsError } from "./fields";
import { Model, Ports } from "./shape";
import { readIdentity, readStackName } from "./identity";
import { checkRawInputs } from "./inputs";
import { placeServers, readHardening, readSizing } from "./servers";
import { readNetwork } from "./network";
import { readAdminAccess } from "./adminAccess";
import { readDns, readTls } from "./tls";
import { readMonitoring } from "./monitoring";
import { readDatabase, readTopology } from "./database";
import { readApp, readDeployGate } from "./app";
import { readResourceSettings } from "./resources";
import { validateBackupArgs } from "./backup";
import { validatePatchingArgs } from "./patching";
import { secretRefs } from "./secrets";
import { checkNames, physicalName } from "./names";

/** Where the component runs: the Pulumi stack (SecuredWebStack passes pulumi.getStack()). */
export interface ModelContext {
    /** Pulumi stack name: the default environment, and part of every physical name (model/names.ts). */
    stack?: string;
}

/**
 * Validates the arguments and applies every default. Throws SecuredWebStackArgsError naming each bad
 * field. `componentName` names the Pulumi resources; with `context.stack` the physical names are
 * unique per stack and `environment` defaults to the stack name.
 */
export function buildModel(args: SecuredWebStackArgs, componentName = "sws", context: ModelContext = {}): Model {
    const p: Problems = [];
    if (args === undefined || args === null || typeof args !== "object") {
        throw new SecuredWebStackArgsError(["args: missing; pass at least { domain }"]);
    }
    // A component name that is not a string is reported by readStackName below.
    const name = typeof componentName === "string" ? physicalName(componentName, context.stack) : "sws";
    // Whole-tree checks first (control characters, prototype keys), then the sections in the order
    // their problems are listed.
    checkRawInputs(p, args);
    readStackName(p, componentName);
    const { domain, environment, prod, layout, os } = readIdentity(p, args, context.stack);
    const sizing = readSizing(p, args);
    const topology = readTopology(p, args);
    const hardening = readHardening(p, args, layout, sizing.appServers, topology);
    const network = readNetwork(p, args.network ?? {}, prod);
    const { adminCidrs, sshKeyName } = readAdminAccess(p, args);
    const tls = readTls(p, args.tls ?? {});
    const { dns, apexDomain } = readDns(p, args.dns, tls, domain);
    // An imported certificate given as plain strings is checked now, with everything else.
    const t = args.tls ?? {};
    if (tls.mode === TlsMode.Imported && typeof t.certificatePem === "string" && typeof t.privateKeyPem === "string" && !p.some((x) => x.startsWith("domain:"))) {
        p.push(...importedCertificateProblems(domain, t.certificatePem, t.privateKeyPem));
    }
    const monitoring = readMonitoring(p, args.monitoring ?? {});
    const database = readDatabase(p, args.database ?? {}, topology);
    const app = readApp(p, args.app ?? {});
    const deployGate = readDeployGate(p, args.deployGate ?? {});
    const { terminationProtection, tags } = readResourceSettings(p, args, prod);
    const servers = placeServers(p, layout, sizing, hardening, network, topology);
    const backup = validateBackupArgs(args.backup, p, environment);
    const patching = validatePatchingArgs(args.patching, p);
    // Names, descriptions and tags made from the inputs, against AWS's documented constraints.
    if (!p.length) checkNames(p, { componentName, name, environment, domain, parameterPrefix: `/${name}/${environment}`, servers, tags });

    if (p.length) throw new SecuredWebStackArgsError(p);

    // No problem: the network's blocks are all defined.
    const vpc = network.vpc!, pub = network.pub!, priv = network.priv!;
    const publicOnly = network.mode === NetworkMode.PublicSubnets;
    const prefix = `/${name}/${environment}`;
    const model: Omit<Model, "flows"> = {
        name, domain, apexDomain, environment, layout, os,
        // Galera is MariaDB's: a cluster runs MariaDB on either OS (Ubuntu 24.04 packages it too).
        dbEngine: os === OsFamily.Debian12 || topology === DatabaseTopology.Cluster ? "mariadb" : "mysql",
        servers, parameterPrefix: prefix,
        network: {
            mode: network.mode, vpcCidr: vpc.text, publicSubnetCidr: pub.text, privateSubnetCidr: publicOnly ? pub.text : priv.text,
            availabilityZone: network.given.availabilityZone, existingVpcId: network.existing.vpcId,
            existingPublicSubnetId: network.existing.publicSubnetId, existingPrivateSubnetId: network.existing.privateSubnetId,
            resolver: nthAddress(vpc, 2),
        },
        adminCidrs, sshKeyName, tls, dns, monitoring, database, app,
        deployGate, backup, patching, terminationProtection, tags,
        secrets: secretRefs({ prefix, servers, tlsMode: tls.mode, sink: monitoring.sink, ...hardening, appServers: sizing.appServers, cluster: topology === DatabaseTopology.Cluster }),
        hardening: {
            ...hardening,
            webPort: hardening.endToEndTls ? Ports.webTls : Ports.web,
            appPort: hardening.endToEndTls ? Ports.appTls : app.port,
        },
    };
    return { ...model, flows: buildFlows(model) };
}
