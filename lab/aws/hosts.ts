/** The lab hosts of the AWS side: the AWS host ("internet" side) and the VPC resolver (VPC base + 2). */
import type { Model } from "../../components/model";
import type { LabHost } from "../namespaces";
import type { AwsHostSettings } from "./host";

/** The AWS host's place when a profile's lab-stack file does not say (lab.aws). */
export const DEFAULT_AWS_HOST: AwsHostSettings = { name: "aws", ip: "203.0.113.40", resolverName: "vpc-dns" };

export function awsSettings(cfg: { lab: { aws?: AwsHostSettings } }): AwsHostSettings {
  return cfg.lab.aws ?? DEFAULT_AWS_HOST;
}

export function awsHosts(cfg: { lab: { internetCidr: string; aws?: AwsHostSettings } }, model: Model): LabHost[] {
  const aws = awsSettings(cfg);
  const vpcPrefix = Number(model.network.privateSubnetCidr.split("/")[1]);
  return [
    { name: aws.name, kind: "helper", roles: ["aws"], ip: aws.ip, prefix: Number(cfg.lab.internetCidr.split("/")[1]) },
    // The resolver sits on the servers' subnet at the address AWS gives it (the flows allow DNS to it only).
    { name: aws.resolverName, kind: "helper", roles: ["vpc-resolver"], ip: model.network.resolver, prefix: vpcPrefix },
  ];
}
