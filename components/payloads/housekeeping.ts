// Patching and housekeeping on every server: unattended security upgrades in a fixed window with
// an optional automatic reboot, time from the Amazon Time Sync Service (169.254.169.123, already a
// host-only flow), and a cap on the journal (every sws unit logs there; the files the stack writes
// under /var/log are rotated by their packages' logrotate configs and by balancer.ts's
// /etc/logrotate.d/sws-haproxy). Meant to replace base.ts's 52sws-unattended-upgrades file.
import { TIME_SYNC } from "../flows";
import type { PatchingModel } from "../model";
import { PayloadFile, file, unit, toolkit } from "./part";

export const UNATTENDED_UPGRADES_CONF = "/etc/apt/apt.conf.d/52sws-unattended-upgrades";
/** The upgrade window's start: an hour before the reboot time. */
export function upgradeWindowStart(rebootTime: string): string {
    const [h, m] = rebootTime.split(":").map(Number);
    const t = (h * 60 + m + 23 * 60) % (24 * 60);
    return `${String(Math.floor(t / 60)).padStart(2, "0")}:${String(t % 60).padStart(2, "0")}`;
}

/** Every server's housekeeping files: the apt policy rides in the user data (the policy pack reads it), the static drop-ins are toolkit files. */
export function housekeepingFiles(p: PatchingModel): PayloadFile[] {
    const ntp = TIME_SYNC.split("/")[0];
    return [
        file(UNATTENDED_UPGRADES_CONF, [
            `Unattended-Upgrade::Automatic-Reboot "${p.autoReboot}";`,
            ...(p.autoReboot ? [`Unattended-Upgrade::Automatic-Reboot-Time "${p.rebootTime}";`] : []),
            `Unattended-Upgrade::Remove-Unused-Dependencies "true";`,
            `APT::Periodic::Update-Package-Lists "1";`,
            `APT::Periodic::Unattended-Upgrade "1";`,
        ].join("\n") + "\n"),
        // The window: upgrades start within 30 minutes after an hour before the reboot time.
        toolkit("/etc/systemd/system/apt-daily-upgrade.timer.d/sws.conf", unit({
            Timer: [["OnCalendar", ""], ["OnCalendar", `*-*-* ${upgradeWindowStart(p.rebootTime)}`], ["RandomizedDelaySec", "30m"]],
        })),
        // Whichever time daemon the image runs: systemd-timesyncd (Debian, Ubuntu) or chrony.
        toolkit("/etc/systemd/timesyncd.conf.d/sws.conf", unit({ Time: [["NTP", ntp]] })),
        toolkit("/etc/chrony/sources.d/sws-aws.sources", `server ${ntp} prefer iburst minpoll 4 maxpoll 4\n`),
        toolkit("/etc/systemd/journald.conf.d/sws.conf", unit({ Journal: [["SystemMaxUse", "512M"], ["MaxRetentionSec", "30day"]] })),
    ];
}

/** Boot steps after the files are written (only restarts what already runs). */
export function housekeepingRuncmd(): string[][] {
    return [["systemctl", "try-restart", "systemd-timesyncd.service", "chrony.service", "systemd-journald.service"]];
}
