// What one server receives at boot, as the policies read it back (userData.ts decodes it). Its own
// module so that the readers of a payload (mysql.ts) and its decoder import it without a cycle.

export const ROLES = ["balancer", "web", "app", "database"] as const;
export type Role = (typeof ROLES)[number];

/** What one server receives at boot. */
export interface Payload {
    format: "cloud-config" | "shell" | "other";
    /** The decoded document. */
    text: string;
    /** Bytes as handed to EC2 (after base64, before gunzip): what the 16 KiB limit counts. */
    size: number;
    /** Package names the server installs. */
    packages: string[];
    /** path → content of every file the payload writes. */
    files: Map<string, string>;
    /** The boot commands, one string each. */
    runcmd: string[];
    /** The roles its packages and files reveal. */
    roles: Set<Role>;
}
