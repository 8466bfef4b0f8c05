// The values of reference arguments (components/model/references.ts) for the AWS renderer: the
// checked string when it was given plainly, else the given output, checked once its value is known
// — failing the deployment with the same message buildModel gives a plain value.
import * as pulumi from "@pulumi/pulumi";
import { SecuredWebStackArgsError } from "../model";
import { DEFERRED, ReferenceField, referenceProblem } from "../model/references";
import type { SecuredWebStackArgs } from "../types";

export interface References {
    existingVpcId?: pulumi.Input<string>;
    existingPublicSubnetId?: pulumi.Input<string>;
    existingPrivateSubnetId?: pulumi.Input<string>;
    hostedZoneId?: pulumi.Input<string>;
    sshKeyName?: pulumi.Input<string>;
    alarmEmail?: pulumi.Input<string>;
}

/** `modelValue` when it is known; the given input, checked in an apply, when the model deferred it. */
export function referenceValue(field: ReferenceField, given: pulumi.Input<string> | undefined, modelValue: string | undefined): pulumi.Input<string> | undefined {
    if (modelValue === undefined) return undefined;
    if (modelValue !== DEFERRED) return modelValue;
    return pulumi.output(given).apply((value) => {
        const problem = referenceProblem(field, value);
        if (problem) throw new SecuredWebStackArgsError([problem]);
        return value as string;
    });
}

/** Every reference argument, as the AWS renderer uses it. */
export function references(args: SecuredWebStackArgs, model: {
    network: { existingVpcId?: string; existingPublicSubnetId?: string; existingPrivateSubnetId?: string };
    dns: { hostedZoneId?: string }; sshKeyName?: string; monitoring: { alarmEmail?: string };
}): References {
    return {
        existingVpcId: referenceValue("network.existingVpcId", args.network?.existingVpcId, model.network.existingVpcId),
        existingPublicSubnetId: referenceValue("network.existingPublicSubnetId", args.network?.existingPublicSubnetId, model.network.existingPublicSubnetId),
        existingPrivateSubnetId: referenceValue("network.existingPrivateSubnetId", args.network?.existingPrivateSubnetId, model.network.existingPrivateSubnetId),
        hostedZoneId: referenceValue("dns.hostedZoneId", args.dns?.hostedZoneId, model.dns.hostedZoneId),
        sshKeyName: referenceValue("sshKeyName", args.sshKeyName, model.sshKeyName),
        alarmEmail: referenceValue("monitoring.alarmEmail", args.monitoring?.alarmEmail, model.monitoring.alarmEmail),
    };
}
