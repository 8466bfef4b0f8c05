// The replacement drill's GTID comparison: the replaced database's binlog position must not go back
// (a datadir initialised again starts its GTIDs over, which this must catch).
import * as assert from "assert";
import { gtidAtLeast } from "../../lab/drills/replacement";

describe("drill replacement: gtidAtLeast(after, before)", () => {
    it("the same or a later sequence number in every domain-server pair of before passes", () => {
        assert.strictEqual(gtidAtLeast("0-1-1345", "0-1-1345"), true);
        assert.strictEqual(gtidAtLeast("0-1-1400", "0-1-1345"), true);
        assert.strictEqual(gtidAtLeast("0-1-1400,1-2-7", "0-1-1345"), true);
        assert.strictEqual(gtidAtLeast("0-1-3", ""), true);
    });
    it("a position that went back, or lost a pair, fails (a fresh datadir: 0-1-2 after 0-1-1345)", () => {
        assert.strictEqual(gtidAtLeast("0-1-2", "0-1-1345"), false);
        assert.strictEqual(gtidAtLeast("", "0-1-1345"), false);
        assert.strictEqual(gtidAtLeast("0-1-1400", "0-1-1345,1-2-7"), false);
    });
});
