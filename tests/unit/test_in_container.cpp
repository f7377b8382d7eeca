#include <doctest/doctest.h>

#include <csignal>
#include <memory>

#include <unistd.h>

#include "fake_sys.hpp"
#include "hook/in_container.hpp"

using namespace agenthook;


TEST_CASE("the worker's action log comes back to the parent") {
    auto log = apply_in_child(sample_plan(), [] { return std::make_unique<FakeSys>(); });
    REQUIRE(log.size() == 3);
    CHECK(log[0] == "mounted tmpfs /tmp size=512m noexec");
    CHECK(log[1] == "mounted tmpfs /workspace/node_modules size=1g exec");
    CHECK(log[2] == "home /agent-home owned 1000:1000 mode 0755");
}

TEST_CASE("the worker's error comes back with its step, path, reason, errno and hint") {
    struct FailingSys : FakeSys {
        Fd open_rootfs(const std::string& path) override {
            throw HookError("open rootfs", path, "No such file or directory", 2, "has the container\npivoted?");
        }
    };
    try {
        apply_in_child(sample_plan(), [] { return std::make_unique<FailingSys>(); });
        FAIL("expected HookError");
    } catch (const HookError& e) {
        CHECK(e.step == "open rootfs");
        CHECK(e.path == "/b/rootfs");
        CHECK(e.reason == "No such file or directory");
        CHECK(e.err == 2);
        CHECK(e.hint == "has the container pivoted?");  // one line, always
        CHECK(std::string(e.what()) == "open rootfs: /b/rootfs: No such file or directory (has the container pivoted?)");
    }
}

TEST_CASE("a worker killed by a signal is an error naming the signal") {
    struct DyingSys : FakeSys {
        // SIGKILL: no handler (doctest installs some) runs in the worker.
        void enter_mount_ns(int) override { ::kill(::getpid(), SIGKILL); }
    };
    CHECK_THROWS_WITH_AS(apply_in_child(sample_plan(), [] { return std::make_unique<DyingSys>(); }),
                         doctest::Contains("worker process killed by signal"), HookError);
}
