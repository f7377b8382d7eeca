// The sweep's decision on scanned trees (hook/sweep_plan.hpp), and its wording.
#include <doctest/doctest.h>

#include <algorithm>

#include "hook/sweep.hpp"
#include "hook/sweep_plan.hpp"

using namespace agenthook;

namespace {

constexpr int64_t kNow = 1'800'000'000;
constexpr int64_t kHour = 3600, kDay = 86400;
uint64_t next_ino = 100;

// A file (or symlink: the plan treats every non-directory alike) whose
// atime and mtime are `a` and `m` seconds old.
SweepNode file(const std::string& name, int64_t a, int64_t m, uint64_t bytes = 4096, uint32_t uid = 1000) {
    SweepNode n;
    n.name = name;
    n.atime = kNow - a;
    n.mtime = kNow - m;
    n.bytes = bytes;
    n.uid = uid;
    n.dev = 42;
    n.ino = next_ino++;
    return n;
}

SweepNode dir(const std::string& name, int64_t age, std::vector<SweepNode> children, uint32_t uid = 1000) {
    SweepNode n = file(name, age, age, 0, uid);
    n.is_dir = true;
    n.children = std::move(children);
    return n;
}

SweepRules rules() { return {{"claude-*", "codex-*"}, 72 * kHour, kHour, std::nullopt}; }

std::vector<std::string> paths(const SweepPlan& p) {
    std::vector<std::string> out;
    for (const auto& r : p.removals) out.push_back(r.path);
    return out;
}

bool kept(const SweepPlan& p, const std::string& name, const std::string& why) {
    return std::any_of(p.kept.begin(), p.kept.end(),
                       [&](const Kept& k) { return k.name == name && k.why.find(why) != std::string::npos; });
}

}  // namespace

TEST_CASE("patterns: fnmatch on the top name only") {
    CHECK(matches_cleanup_pattern({"claude-*"}, "claude-1000"));
    CHECK(matches_cleanup_pattern({"claude-*"}, "claude-"));
    CHECK(!matches_cleanup_pattern({"claude-*"}, "claude"));
    CHECK(!matches_cleanup_pattern({"claude-*"}, "xclaude-1"));
    CHECK(matches_cleanup_pattern({"x", "gemini-?"}, "gemini-a"));
    CHECK(!matches_cleanup_pattern({"gemini-?"}, "gemini-ab"));
    CHECK(matches_cleanup_pattern({"[ab]-*"}, "b-1"));
    CHECK(!matches_cleanup_pattern({}, "claude-1"));
}

TEST_CASE("a stale tree goes whole, children before parents, with its bytes and inodes") {
    auto top = dir("claude-1000", 5 * kDay,
                   {file("a", 4 * kDay, 4 * kDay, 8192), dir("sub", 4 * kDay, {file("b", 80 * kHour, 90 * kHour, 4096)})});
    auto plan = plan_sweep({top}, rules(), kNow);
    CHECK(paths(plan) == std::vector<std::string>{"claude-1000/a", "claude-1000/sub/b", "claude-1000/sub", "claude-1000"});
    CHECK(plan.bytes == 12288);
    CHECK(plan.inodes == 4);
    CHECK(plan.kept.empty());
}

TEST_CASE("names that match no pattern are not touched, however old") {
    auto plan = plan_sweep({dir("other", 9 * kDay, {file("x", 9 * kDay, 9 * kDay)}), file("claude", 9 * kDay, 9 * kDay)},
                           rules(), kNow);
    CHECK(plan.removals.empty());
    CHECK(plan.kept.empty());
}

TEST_CASE("a file goes only when atime AND mtime are both older than max_age") {
    auto top = dir("claude-1", 5 * kDay,
                   {file("both", 73 * kHour, 73 * kHour), file("read", 2 * kHour, 9 * kDay), file("written", 9 * kDay, 2 * kHour),
                    file("edge", 72 * kHour, 9 * kDay)});
    auto plan = plan_sweep({top}, rules(), kNow);
    // "edge" is exactly max_age old: not older than it.
    CHECK(paths(plan) == std::vector<std::string>{"claude-1/both"});
}

TEST_CASE("directories left empty go; one holding a kept file stays, and so do its parents") {
    auto top = dir("codex-x", 9 * kDay,
                   {dir("empty", 9 * kDay, {}), dir("deep", 9 * kDay, {dir("deeper", 9 * kDay, {file("young", 2 * kHour, 2 * kHour)})}),
                    dir("gone", 9 * kDay, {dir("g2", 9 * kDay, {file("old", 9 * kDay, 9 * kDay)})})});
    auto plan = plan_sweep({top}, rules(), kNow);
    CHECK(paths(plan) ==
          std::vector<std::string>{"codex-x/empty", "codex-x/gone/g2/old", "codex-x/gone/g2", "codex-x/gone"});
}

TEST_CASE("anything younger than min_age keeps the whole top entry (atime or mtime, any depth)") {
    SUBCASE("a fresh file deep down") {
        auto top = dir("claude-a", 9 * kDay,
                       {file("old", 9 * kDay, 9 * kDay), dir("d", 9 * kDay, {dir("e", 9 * kDay, {file("new", 9 * kDay, 10 * 60)})})});
        auto plan = plan_sweep({top}, rules(), kNow);
        CHECK(plan.removals.empty());
        CHECK(kept(plan, "claude-a", "active: its newest entry is 10 minutes old, younger than min_age 1h"));
    }
    SUBCASE("a file read a minute ago") {
        auto plan = plan_sweep({dir("claude-a", 9 * kDay, {file("old", 60, 9 * kDay)})}, rules(), kNow);
        CHECK(plan.removals.empty());
        CHECK(kept(plan, "claude-a", "active"));
    }
    SUBCASE("the top directory itself just changed") {
        auto plan = plan_sweep({dir("claude-a", 30, {file("old", 9 * kDay, 9 * kDay)})}, rules(), kNow);
        CHECK(plan.removals.empty());
    }
    SUBCASE("a time in the future counts as young") {
        auto plan = plan_sweep({dir("claude-a", 9 * kDay, {file("skew", -kDay, 9 * kDay)})}, rules(), kNow);
        CHECK(plan.removals.empty());
        CHECK(kept(plan, "claude-a", "0 minutes old"));
    }
    SUBCASE("exactly min_age old is not younger than it") {
        auto plan = plan_sweep({dir("claude-a", kHour, {file("old", 9 * kDay, 9 * kDay)})}, rules(), kNow);
        // Emptied, the directory goes too, whatever its own age.
        CHECK(paths(plan) == std::vector<std::string>{"claude-a/old", "claude-a"});
    }
    SUBCASE("only the active top entry is kept, its neighbour is swept") {
        auto plan = plan_sweep({dir("claude-a", 9 * kDay, {file("new", 5, 5)}), dir("claude-b", 9 * kDay, {file("x", 9 * kDay, 9 * kDay)})},
                               rules(), kNow);
        CHECK(paths(plan) == std::vector<std::string>{"claude-b/x", "claude-b"});
    }
}

TEST_CASE("a young file older than min_age stays, the stale ones beside it go") {
    auto top = dir("claude-a", 2 * kHour, {file("old", 9 * kDay, 9 * kDay), file("recent", 2 * kHour, 2 * kHour)});
    auto plan = plan_sweep({top}, rules(), kNow);
    CHECK(paths(plan) == std::vector<std::string>{"claude-a/old"});
}

TEST_CASE("a top entry that is not a directory (a symlink) goes when old, as itself") {
    auto plan = plan_sweep({file("claude-link", 9 * kDay, 9 * kDay, 0), file("claude-new", 9 * kDay, 10)}, rules(), kNow);
    CHECK(paths(plan) == std::vector<std::string>{"claude-link"});
    CHECK(!plan.removals[0].is_dir);
    CHECK(kept(plan, "claude-new", "active"));
}

TEST_CASE("another mount is neither removed nor counted, and keeps its parents") {
    auto mount = dir("mnt", 9 * kDay, {});
    mount.other_mount = true;
    auto fresh_mount = dir("fresh", 5, {});
    fresh_mount.other_mount = true;
    auto top = dir("claude-m", 9 * kDay,
                   {dir("d", 9 * kDay, {mount, file("f", 9 * kDay, 9 * kDay)}), fresh_mount, file("g", 9 * kDay, 9 * kDay)});
    auto plan = plan_sweep({top}, rules(), kNow);
    // The fresh mount's times are not the session's: the entry is stale.
    CHECK(paths(plan) == std::vector<std::string>{"claude-m/d/f", "claude-m/g"});

    auto top_mount = dir("claude-top", 9 * kDay, {file("f", 9 * kDay, 9 * kDay)});
    top_mount.other_mount = true;
    auto plan2 = plan_sweep({top_mount}, rules(), kNow);
    CHECK(plan2.removals.empty());
    CHECK(kept(plan2, "claude-top", "a mount point"));
}

TEST_CASE("a tree not read whole is left alone entirely (something unseen may be young)") {
    auto sub = dir("sub", 9 * kDay, {file("x", 9 * kDay, 9 * kDay)});
    sub.incomplete = true;
    auto plan = plan_sweep({dir("claude-i", 9 * kDay, {file("old", 9 * kDay, 9 * kDay), sub})}, rules(), kNow);
    CHECK(plan.removals.empty());
    CHECK(kept(plan, "claude-i", "not read whole"));
}

TEST_CASE("hard links: the inode and its bytes count once, and only when every link goes") {
    auto a = file("a", 9 * kDay, 9 * kDay, 8192);
    a.nlink = 2;
    auto b = a;
    b.name = "b";
    auto c = file("c", 9 * kDay, 9 * kDay, 4096);
    c.nlink = 2;  // its other link is outside the swept tree
    auto plan = plan_sweep({dir("claude-h", 9 * kDay, {a, b, c})}, rules(), kNow);
    REQUIRE(plan.removals.size() == 4);
    CHECK(plan.inodes == 2);  // a/b's inode and the directory
    CHECK(plan.bytes == 8192);
    CHECK(plan.removals[0].frees_inode + plan.removals[1].frees_inode == 1);
    CHECK(!plan.removals[2].frees_inode);
}

TEST_CASE("teardown: the owner's matching entries go whatever their age; other owners' stay") {
    SweepRules r = rules();
    r.teardown_uid = 1000;
    auto mine = dir("claude-1000", 10, {file("fresh", 1, 1), dir("d", 1, {file("root-owned", 1, 1, 0, 0), file("mine", 1, 1)})});
    auto theirs = dir("claude-2000", 9 * kDay, {file("x", 9 * kDay, 9 * kDay, 4096, 2000)}, 2000);
    auto mount = dir("mnt", 1, {});
    mount.other_mount = true;
    auto with_mount = dir("codex-1000", 1, {mount, file("y", 1, 1)});
    auto plan = plan_sweep({mine, theirs, with_mount, file("unmatched", 1, 1)}, r, kNow);
    CHECK(paths(plan) == std::vector<std::string>{"claude-1000/fresh", "claude-1000/d/mine", "codex-1000/y"});
    CHECK(plan.kept.empty());
}

TEST_CASE("wording: summary lines, dry-run listing") {
    SweepSummary s;
    s.label = "pid 42";
    CHECK(summary_line(s) == "pid 42: nothing to remove");
    s.entries = 3;
    s.bytes = 8192;
    s.inodes = 2;
    CHECK(summary_line(s) == "pid 42: 3 entries, 8192 bytes, 2 inodes freed");
    s.dry_run = true;
    CHECK(summary_line(s) == "pid 42: 3 entries, 8192 bytes, 2 inodes would free");

    auto plan = plan_sweep({dir("claude-a", 9 * kDay, {file("f", 9 * kDay, 9 * kDay, 512)}), dir("claude-b", 9 * kDay, {file("n", 1, 1)})},
                           rules(), kNow);
    auto lines = plan_listing(plan, "/tmp");
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].rfind("keep /tmp/claude-b: active", 0) == 0);
    CHECK(lines[1] == "would remove /tmp/claude-a/f (512 bytes)");
    CHECK(lines[2] == "would remove /tmp/claude-a/ (0 bytes)");
}

TEST_CASE("teardown_refusal: never root's entries, never while a container of the same uid runs") {
    auto running = [](const std::string& id, std::optional<uint32_t> host_uid) {
        Record r;
        r.id = id;
        r.host_uid = host_uid;
        return r;
    };
    CHECK_FALSE(teardown_refusal("web-1", 1000, {}));
    CHECK_FALSE(teardown_refusal("web-1", 101000, {running("web-2", 1000), running("web-3", 102000)}));
    // Its own record, should a reader not have pruned it yet.
    CHECK_FALSE(teardown_refusal("web-1", 1000, {running("web-1", 1000)}));

    auto root = teardown_refusal("web-1", 0, {});
    REQUIRE(root);
    CHECK(root->find("host uid 0 (root)") != std::string::npos);

    auto same = teardown_refusal("web-1", 1000, {running("web-3", 102000), running("web-2", 1000)});
    REQUIRE(same);
    CHECK(*same == "running container web-2 is host uid 1000 too: its entries cannot be told apart");

    auto unknown = teardown_refusal("web-1", 1000, {running("old-1", std::nullopt)});
    REQUIRE(unknown);
    CHECK(unknown->find("running container old-1 has a record without its host uid") == 0);
}
