// Backups of the database server (Role.Database, the writer): the logical half. EBS snapshots of
// the data volume are DLM's job (components/aws/backup.ts); here, on the server itself:
//   - sws-backup full    daily consistent dump (one transaction) + its binlog coordinates
//   - sws-backup binlog  every few minutes: flush the binary log, ship the closed files
//   - sws-restore --to 'YYYY-MM-DD HH:MM:SS'  point-in-time restore from dump + binlogs
// to BACKUP_TARGET (s3://<bucket>/<server> on AWS, file:///var/backups/sws in the lab). The
// scripts are toolkit files (fetched at boot from SSM); the user data only carries the small
// env file and the four systemd units. Each successful run writes the node-exporter textfile
// metric sws_backup_last_success_timestamp_seconds{kind="full"|"binlog"}.
import type { BackupModel, Model } from "../model";
import { BACKUP_DEFAULTS, backupDefaults } from "../model";
import { DeployValues, PayloadPart, RenderContext, envFile, file, script, unit, toolkit } from "./part";

/** Where the scripts put backups when the renderer is given no bucket (the lab). */
export const LOCAL_BACKUP_TARGET = "file:///var/backups/sws";
export const BACKUP_ENV = "/etc/sws/backup.env";
export const BACKUP_UNITS = {
    fullService: "sws-backup-full.service",
    fullTimer: "sws-backup-full.timer",
    binlogService: "sws-backup-binlog.service",
    binlogTimer: "sws-backup-binlog.timer",
} as const;
/** The node-exporter textfile metric the alarms watch (labels: kind="full" | "binlog"). */
export const BACKUP_METRIC = "sws_backup_last_success_timestamp_seconds";
/** UTC time of the daily full dump (before DLM's 03:00 snapshot; randomised by up to 30 minutes). */
export const FULL_BACKUP_TIME = "02:00";

/** Deploy-time value the AWS renderer passes: the bucket and prefix of this server's backups. */
export interface BackupDeployValues extends DeployValues {
    /** s3://<bucket>/<prefix>; default file:///var/backups/sws. */
    backupTarget?: string;
}

/** The model's backup settings (the defaults until the model carries `backup`). */
export function backupSettings(model: Model): BackupModel {
    return (model as Model & { backup?: BackupModel }).backup ?? backupDefaults(model.environment);
}

/** The backup target a server's scripts use: s3://<bucket>/<server>, or the local default. */
export function backupTargetOf(deploy: DeployValues): string {
    return (deploy as BackupDeployValues).backupTarget ?? LOCAL_BACKUP_TARGET;
}

/** The four systemd units (carried in the user data: they depend on the interval). */
export function backupUnits(b: BackupModel): { path: string; content: string }[] {
    const service = (what: string, kind: string) => unit({
        Unit: [["Description", what], ["After", "sws-db-init.service"]],
        Service: [["Type", "oneshot"], ["ExecStart", `/usr/local/sbin/sws-backup ${kind}`], ["Nice", "10"], ["IOSchedulingClass", "idle"]],
    });
    const timer = (what: string, entries: [string, string][]) => unit({
        Unit: [["Description", what]], Timer: entries, Install: [["WantedBy", "timers.target"]],
    });
    const dir = "/etc/systemd/system";
    return [
        { path: `${dir}/${BACKUP_UNITS.fullService}`, content: service("Full logical backup of the database to BACKUP_TARGET", "full") },
        { path: `${dir}/${BACKUP_UNITS.fullTimer}`, content: timer("Daily full database backup",
            [["OnCalendar", `*-*-* ${FULL_BACKUP_TIME}:00 UTC`], ["RandomizedDelaySec", "30min"], ["Persistent", "true"]]) },
        { path: `${dir}/${BACKUP_UNITS.binlogService}`, content: service("Ship the database's closed binary logs to BACKUP_TARGET", "binlog") },
        { path: `${dir}/${BACKUP_UNITS.binlogTimer}`, content: timer(`Ship binary logs every ${b.binlogIntervalMinutes} min`,
            [["OnBootSec", `${b.binlogIntervalMinutes}min`], ["OnUnitActiveSec", `${b.binlogIntervalMinutes}min`], ["AccuracySec", "15s"]]) },
    ];
}

/** The env file the scripts read (besides /etc/sws/database.env and /etc/sws/sws.env). */
export function renderBackupEnv(b: BackupModel, target: string): string {
    return envFile({ BACKUP_TARGET: target, RETENTION_DAYS: b.logicalRetentionDays });
}

/** Database writers only (never replicas): scripts (toolkit), env file, units, first backup at boot. */
export function backupPart(ctx: RenderContext): PayloadPart {
    const b = backupSettings(ctx.model);
    return {
        packages: ["python3-boto3"],
        files: [
            file(BACKUP_ENV, renderBackupEnv(b, backupTargetOf(ctx.deploy))),
            script("sws-backup"),
            script("sws-restore"),
            ...backupUnits(b).map((u) => toolkit(u.path, u.content)),
        ],
        runcmd: [
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "--now", BACKUP_UNITS.fullTimer, BACKUP_UNITS.binlogTimer],
            // A base for point-in-time restores from the first boot on (and the metric exists at once).
            ["systemctl", "start", "--no-block", BACKUP_UNITS.fullService],
        ],
    };
}

/** The Prometheus alert rules (for monitoring/prometheus-alerts.yaml, group sws-alerts). */
export function prometheusBackupAlerts(b: BackupModel = BACKUP_DEFAULTS): string {
    const binlogMax = 3 * b.binlogIntervalMinutes + 5;
    return `      - alert: SwsBackupTooOld
        expr: time() - max by (stack, environment, host) (${BACKUP_METRIC}{kind="full"}) > 26 * 3600
        for: 10m
        labels:
          severity: critical
        annotations:
          summary: "No full database backup on {{ $labels.host }} for more than 26 hours"
          description: "sws-backup-full.timer runs daily at ${FULL_BACKUP_TIME} UTC; see journalctl -u sws-backup-full.service on {{ $labels.host }}."

      - alert: SwsBinlogShippingStalled
        expr: time() - max by (stack, environment, host) (${BACKUP_METRIC}{kind="binlog"}) > ${binlogMax} * 60
        for: 5m
        labels:
          severity: critical
        annotations:
          summary: "Binary logs of {{ $labels.host }} not shipped for more than ${binlogMax} minutes"
          description: "Point-in-time restores cannot reach past the last shipped binlog; see journalctl -u sws-backup-binlog.service on {{ $labels.host }}."

      - alert: SwsBackupMetricMissing
        expr: up{job="mysqld", roles=~".*database.*"} unless on (stack, environment, host) ${BACKUP_METRIC}{kind="full"}
        for: 2h
        labels:
          severity: warning
        annotations:
          summary: "The database server {{ $labels.host }} reports no backup at all"
          description: "No ${BACKUP_METRIC} from the node exporter's textfile directory: the first backup never succeeded, or the backup part is missing."
`;
}
