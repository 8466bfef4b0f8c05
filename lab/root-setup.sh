#!/bin/sh
# Runs once per server, inside the server's new (persistent) mount + UTS namespace, entered from
# its network namespace: mounts the kernel filesystems and a private /dev, /run, /tmp into the
# server's overlay root (already mounted at $1), binds the lab's systemctl stand-in and the
# server's log directory, then pivot_root()s so the server sees a clean mount table.
set -eu
R="$1"; LOGS="$2"; SYSTEMCTL="$3"; HOST="$4"; CTL="$5"; VOLS="$6"

mount -t proc -o nosuid,nodev,noexec proc "$R/proc"
mount -t sysfs -o nosuid,nodev,noexec,ro sysfs "$R/sys"

mount -t tmpfs -o mode=0755,size=8m,nosuid tmpfs "$R/dev"
mknod -m 666 "$R/dev/null" c 1 3
mknod -m 666 "$R/dev/zero" c 1 5
mknod -m 666 "$R/dev/full" c 1 7
mknod -m 666 "$R/dev/random" c 1 8
mknod -m 666 "$R/dev/urandom" c 1 9
mknod -m 666 "$R/dev/tty" c 5 0
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"

mount -t tmpfs -o mode=0755,nosuid,nodev,size=256m tmpfs "$R/run"
mount -t tmpfs -o mode=1777,nosuid,nodev,size=256m tmpfs "$R/tmp"
# The supervisor's socket directory (root only): what /run/systemd/private is to systemctl.
mkdir -p "$R/run/sws-lab-systemd"
mount --bind "$CTL" "$R/run/sws-lab-systemd"
mount --bind "$LOGS" "$R/var/log"
# The lab's volumes (host directories, outside this root) reachable once the host's tree is gone:
# the instance step (lab/aws/instance.ts) binds the attached one at the data mount point, then
# unmounts this (on the root's tmpfs /run, so nothing of it lands in the root's upper layer).
mkdir -p "$R/run/sws-lab-volumes"
mount --bind "$VOLS" "$R/run/sws-lab-volumes"
mount --bind "$SYSTEMCTL" "$R/usr/bin/systemctl"
mount -o remount,bind,ro "$R/usr/bin/systemctl"

mkdir -p "$R/.sws-lab-oldroot"
cd "$R"
pivot_root . .sws-lab-oldroot
cd /
# Drop every host mount (including copies of /run/netns and the other servers' namespace files).
umount -l /.sws-lab-oldroot
rmdir /.sws-lab-oldroot

hostname "$HOST"
mkdir -p /run/lock
chmod 1777 /run/lock
# What systemd would have created at boot: /run/mysqld, /run/haproxy, /run/sshd, ...
systemd-tmpfiles --create --prefix=/run >/dev/null 2>&1 || true
