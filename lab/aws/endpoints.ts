/**
 * The AWS endpoint names the servers' own code reaches (boto3 in sws-fetch, sws-backup,
 * sws-restore, sws-app-update (the s3:// app artifact), sws-tls; the collector's CloudWatch exporters), for one region
 * and the stack's buckets. The lab's resolver answers each of them with the lab's AWS host, and
 * the AWS host's certificate (signed by the lab CA) names each of them: no server is told an
 * endpoint URL, they resolve AWS's real names as on EC2.
 *
 * Why both forms: Debian 12's botocore (1.29) still uses the legacy global endpoints in us-east-1
 * (`sts.amazonaws.com`, `s3.amazonaws.com` with virtual-hosted buckets `<bucket>.s3.amazonaws.com`);
 * newer SDKs (the collector's Go SDK, boto3 with regional settings) use the regional names.
 */

/** The services the stack's servers call at boot or run time, plus what the replay and checks use. */
export const AWS_SERVICES = ["ssm", "s3", "logs", "monitoring", "acm", "sts", "kms", "ec2", "sns", "iam"] as const;

/** Services with a global (region-less) endpoint that older SDKs still use. */
const GLOBAL = ["s3", "sts", "iam"];

export interface EndpointNames {
  /** Every name the resolver answers with the AWS host (exact names: the resolver has no wildcards). */
  dns: string[];
  /** Every name the AWS host's certificate carries (bucket names through wildcards). */
  san: string[];
}

/** Whether a bucket name can be used in a virtual-hosted-style S3 host name under one TLS wildcard. */
function virtualHostable(bucket: string): boolean {
  return /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
}

/** The endpoint names for a region and the stack's buckets (sorted, no duplicates). */
export function endpointNames(region: string, buckets: string[] = []): EndpointNames {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new Error(`region ${JSON.stringify(region)} is not an AWS region name (e.g. us-east-1)`);
  const dns = new Set<string>();
  const san = new Set<string>();
  for (const s of AWS_SERVICES) {
    dns.add(`${s}.${region}.amazonaws.com`);
    san.add(`${s}.${region}.amazonaws.com`);
    if (GLOBAL.includes(s)) {
      dns.add(`${s}.amazonaws.com`);
      san.add(`${s}.amazonaws.com`);
    }
  }
  for (const b of buckets) {
    if (!virtualHostable(b)) throw new Error(`bucket ${JSON.stringify(b)}: the lab serves virtual-hosted S3 names for DNS-compatible bucket names without dots only`);
    dns.add(`${b}.s3.amazonaws.com`);
    dns.add(`${b}.s3.${region}.amazonaws.com`);
  }
  san.add("*.s3.amazonaws.com");
  san.add(`*.s3.${region}.amazonaws.com`);
  return { dns: [...dns].sort(), san: [...san].sort() };
}
