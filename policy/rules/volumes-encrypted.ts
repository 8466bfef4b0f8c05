import { ResourceValidationPolicy } from "@pulumi/policy";
import { isUnknown, list, record, str } from "../lib/props";
import { explain } from "../lib/report";
import { TYPES, validateTypes } from "../lib/resources";

const remediation =
    "Set `rootBlockDevice.encrypted: true` and `encrypted: true` on every `ebsBlockDevices` entry and " +
    "`aws.ebs.Volume` (optionally with a customer-managed `kmsKeyId`), or turn on EBS encryption by default " +
    "for the account and region (`aws.ebs.EncryptionByDefault`).";

/** The volumes a resource declares, each with its `encrypted` flag (possibly UNKNOWN). */
function volumesOf(type: string, props: Record<string, any>): { where: string; encrypted: unknown }[] {
    if (type === TYPES.volume) {
        return [{ where: "the volume", encrypted: props.encrypted }];
    }
    const root = record(props.rootBlockDevice);
    return [
        { where: "rootBlockDevice", encrypted: isUnknown(props.rootBlockDevice) ? props.rootBlockDevice : root.encrypted },
        ...list(props.ebsBlockDevices).map((d, i) => ({
            where: `ebsBlockDevices[${i}] (${str(record(d).deviceName) ?? "?"})`,
            encrypted: record(d).encrypted,
        })),
    ];
}

export const volumesEncrypted: ResourceValidationPolicy = {
    name: "volumes-encrypted",
    description: "[high] Root and data EBS volumes are encrypted at rest.",
    enforcementLevel: "advisory",
    severity: "high",
    remediationSteps: remediation,
    validateResource: validateTypes([TYPES.instance, TYPES.volume], (r, args, report) => {
        const volumes = volumesOf(r.type, r.props);
        if (volumes.some((v) => isUnknown(v.encrypted))) {
            args.notApplicable("encryption is not known yet (preview)");
        }
        const plain = volumes.filter((v) => v.encrypted !== true);
        if (plain.length === 0) {
            return;
        }
        report(
            explain({
                found: `unencrypted: ${plain.map((v) => v.where).join(", ")}`,
                on: [r.name],
                why:
                    "the database files, logs and any key material on these volumes, and every snapshot of them, can be " +
                    "read by whoever obtains a copy (Checkov CKV_AWS_8/CKV_AWS_3, Trivy AVD-AWS-0131/0026).",
                fix: remediation,
            }),
        );
    }),
};
