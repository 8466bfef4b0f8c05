// The policy pack's entry point, run by the Pulumi CLI (`--policy-pack policy`). Constructing the
// PolicyPack starts its gRPC server, so nothing else may import this file: tests import ./policies.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("secured-web-stack", {
    description: "Flags the seed design's weaknesses and a security baseline on EC2 web stacks.",
    enforcementLevel: "advisory",
    policies,
});
