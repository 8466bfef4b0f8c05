// Every user input that flows into a value AWS constrains is rejected by buildModel, before any
// resource is registered, with the usual message naming the field, what it would make and the
// rule (components/model/names.ts against components/model/awsConstraints.ts).
import * as assert from "assert";
import { buildModel } from "../../components/model";
import type { SecuredWebStackArgs } from "../../components/types";

const ok: SecuredWebStackArgs = { domain: "www.foobar.com", environment: "dev" };
function problems(args: SecuredWebStackArgs, name = "sws-dev", stack?: string): string {
    try { buildModel(args, name, { stack }); } catch (e) { return (e as Error).message; }
    return "";
}

describe("inputs that would break AWS's documented constraints are rejected by buildModel", () => {
    it("accepts the seed's stack and names at the limits", () => {
        assert.strictEqual(problems(ok), "");
        // The longest component name (24, model/identity.ts) with the longest server name: every auto-named IAM name fits.
        assert.strictEqual(problems({ ...ok, hardening: { databaseReplica: true, endToEndTls: true } }, "n".repeat(24)), "");
    });
    it("a stack name that makes the alarm names longer than CloudWatch's 255 characters", () => {
        const m = problems(ok, "shop", "s".repeat(240));
        assert.match(m, /name \(the component name\), the Pulumi stack name and environment: makes the alarm name of lb "shop-s{240}-dev-status-lb", which AWS refuses: 2\d\d characters; at most 255 \(https:\/\/docs\.aws\.amazon\.com\/AmazonCloudWatch\/latest\/APIReference\/API_PutMetricAlarm\.html\)/);
    });
    it("a component name AWS names refuse is stopped by the name rule before any derived name", () => {
        assert.match(problems(ok, "shop.eu"), /name: "shop\.eu" is not allowed/);
    });
    it("a domain that makes a security group description longer than EC2's 255 characters", () => {
        // A valid host name of 246 characters (labels of 63).
        const label = "a".repeat(63);
        const domain = `${label}.${label}.${label}.${"b".repeat(50)}.com`;
        assert.match(problems({ ...ok, domain }), /domain: makes the security group description of lb ".*", which AWS refuses: 2\d\d characters; at most 255/);
    });
    it("tags: keys and values outside AWS's tag alphabet, DLM's stricter keys, reserved keys, too many tags", () => {
        assert.match(problems({ ...ok, tags: { "cost center": "cc-1" } }), /tags\.cost center: "cost center" is not allowed as a DLM tag key .*contains " "/);
        assert.match(problems({ ...ok, tags: { team: "web, platform" } }), /tags\.team: "web, platform" is not allowed as a tag value: contains ","/);
        assert.match(problems({ ...ok, tags: { "aws:owner": "me" } }), /tags\.aws:owner: "aws:owner" is not allowed as a tag key: starts with "aws:"/);
        assert.match(problems({ ...ok, tags: { owner: "ops@foobar.com" } }), /^$/);
        const many = Object.fromEntries(Array.from({ length: 44 }, (_, i) => [`t${i}`, "x"]));
        assert.match(problems({ ...ok, tags: many }), /tags: 44 tags; at most 43/);
    });
    it("an environment from the stack name is checked like a given one; the physical name takes the stack", () => {
        assert.strictEqual(buildModel({ domain: "www.foobar.com" }, "shop", { stack: "prod" }).environment, "prod");
        assert.strictEqual(buildModel({ domain: "www.foobar.com" }, "shop", { stack: "prod" }).name, "shop-prod");
        assert.strictEqual(buildModel({ domain: "www.foobar.com" }, "sws-prod", { stack: "prod" }).name, "sws-prod");
        assert.strictEqual(buildModel({ domain: "www.foobar.com" }, "sws-prod", { stack: "prod" }).parameterPrefix, "/sws-prod/prod");
    });
});
