// EC2 instances: fixed private addresses (so replacing one server never changes another's user
// data), IMDSv2 only with hop limit 1, encrypted gp3 root, the database's datadir on its own
// encrypted volume that outlives the instance, the balancer's public address on an Elastic IP.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { knownValue } from "../model/references";
import { Model, Role, ServerModel } from "../model";
import { OsFamily } from "../types";
import { snapshotTargetTags } from "./backup";
import { APP_UPDATE } from "./appRollout";
import { PEERS_UPDATE } from "./peersRollout";
import { rollingTargetValue } from "./rollingCommand";

const AMIS: { [os in OsFamily]: { owner: string; name: string } } = {
    [OsFamily.Ubuntu2404]: { owner: "099720109477", name: "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*" },
    [OsFamily.Debian12]: { owner: "136693071363", name: "debian-12-amd64-*" },
};

export function lookupAmi(os: OsFamily, opts: pulumi.InvokeOptions): pulumi.Output<string> {
    const a = AMIS[os];
    return aws.ec2.getAmiOutput({
        owners: [a.owner], mostRecent: true,
        filters: [{ name: "name", values: [a.name] }, { name: "architecture", values: ["x86_64"] }, { name: "virtualization-type", values: ["hvm"] }],
    }, opts).id;
}

export function createDataVolume(
    name: string, model: Model, server: ServerModel, availabilityZone: pulumi.Input<string>,
    tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions,
): aws.ebs.Volume {
    return new aws.ebs.Volume(`${name}-${server.name}-data`, {
        availabilityZone, size: model.database.volumeGiB, type: "gp3", encrypted: true,
        tags: { ...tags, Name: `${name}-${server.name}-data`, "sws:data": "database", role: "database", ...snapshotTargetTags(model.name, model.environment) },
    }, {
        ...opts, protect: model.terminationProtection,
        // The data outlives the stack's use of it: a change that drops this volume from the stack
        // (hardening.databaseReplica off, a destroy) leaves it in the account instead of deleting it.
        retainOnDelete: true,
    });
}

export interface InstanceInputs {
    server: ServerModel;
    ami: pulumi.Input<string>;
    subnetId: pulumi.Input<string>;
    securityGroupId: pulumi.Input<string>;
    instanceProfile: pulumi.Input<string>;
    userDataBase64: pulumi.Input<string>;
    dependsOn: pulumi.Resource[];
    /** sshKeyName, checked (components/aws/references.ts). */
    keyName?: pulumi.Input<string>;
}

export function createInstance(name: string, model: Model, i: InstanceInputs, tags: { [k: string]: string }, opts: pulumi.CustomResourceOptions): aws.ec2.Instance {
    const s = i.server;
    return new aws.ec2.Instance(`${name}-${s.name}`, {
        ami: i.ami,
        instanceType: s.instanceType,
        subnetId: i.subnetId,
        privateIp: s.privateIp,
        associatePublicIpAddress: s.publicIp,
        vpcSecurityGroupIds: [i.securityGroupId],
        iamInstanceProfile: i.instanceProfile,
        keyName: i.keyName ?? knownValue("sshKeyName", model.sshKeyName),
        userDataBase64: i.userDataBase64,
        // cloud-init applies the payload at first boot only: a new payload means a new server.
        userDataReplaceOnChange: true,
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
        rootBlockDevice: { volumeType: "gp3", volumeSize: 16, encrypted: true, deleteOnTermination: true },
        monitoring: true,
        disableApiTermination: model.terminationProtection,
        creditSpecification: s.instanceType.startsWith("t") ? { cpuCredits: "standard" } : undefined,
        tags: {
            ...tags, Name: `${name}-${s.name}`, role: s.roles.join("+"), os: model.os,
            // The app-update association's target (aws/appRollout.ts).
            ...(s.roles.includes(Role.App) ? { [APP_UPDATE.tag]: rollingTargetValue(model) } : {}),
            // The peers-update association's target (aws/peersRollout.ts): every server.
            [PEERS_UPDATE.tag]: rollingTargetValue(model),
        },
        volumeTags: { ...tags, Name: `${name}-${s.name}-root` },
    }, {
        ...opts,
        dependsOn: i.dependsOn,
        // The fixed private address can belong to one instance at a time.
        deleteBeforeReplace: true,
        ignoreChanges: ["ami"], // a newer AMI is taken on the next replacement, not by itself
        // ...but another operating system is another image: with `ami` ignored, the os tag is what
        // replaces the server (without it an `os` change would leave servers on the old system).
        replaceOnChanges: ["tags.os"],
    });
}
