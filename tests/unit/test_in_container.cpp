#include <doctest/doctest.h>

#include <csignal>
#include <memory>

#include <unistd.h>

#include "fake_sys.hpp"
#include "hook/in_container.hpp"

using namespace agenthook;

namespace {
constexpr std::chrono::milliseconds kDeadline{10000};
}


TEST_CASE("the worker's action log comes back to the parent") {
    auto log = apply_in_child(sample_plan(), [] { return std::make_unique<FakeSys>(); }, kDeadline);
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
        apply_in_child(sample_plan(), [] { return std::make_unique<FailingSys>(); }, kDeadline);
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
        void enter_mount_ns() override { ::kill(::getpid(), SIGKILL); }
    };
    CHECK_THROWS_WITH_AS(apply_in_child(sample_plan(), [] { return std::make_unique<DyingSys>(); }, kDeadline),
                         doctest::Contains("worker process killed by signal"), HookError);
}

TEST_CASE("a worker that hangs is killed at the deadline and reported") {
    struct HangingSys : FakeSys {
        void enter_mount_ns() override { ::pause(); }
    };
    CHECK_THROWS_WITH_AS(
        apply_in_child(sample_plan(), [] { return std::make_unique<HangingSys>(); }, std::chrono::milliseconds(200)),
        doctest::Contains("apply in container: /b/rootfs: worker process gave no result within 200 ms and was killed"),
        HookError);
}

TEST_CASE("any exception in the worker comes back as an error, never as a crash") {
    struct ThrowingSys : FakeSys {
        void enter_mount_ns() override { throw std::bad_alloc(); }
    };
    CHECK_THROWS_WITH_AS(apply_in_child(sample_plan(), [] { return std::make_unique<ThrowingSys>(); }, kDeadline),
                         doctest::Contains("apply in container: /b/rootfs: std::bad_alloc"), HookError);
    struct OddSys : FakeSys {
        void enter_mount_ns() override { throw 42; }
    };
    CHECK_THROWS_WITH_AS(apply_in_child(sample_plan(), [] { return std::make_unique<OddSys>(); }, kDeadline),
                         doctest::Contains("unknown exception in the worker"), HookError);
}

TEST_CASE("a worker that exits without a result is reported with its status") {
    struct ExitingSys : FakeSys {
        void enter_mount_ns() override { ::_exit(7); }
    };
    CHECK_THROWS_WITH_AS(apply_in_child(sample_plan(), [] { return std::make_unique<ExitingSys>(); }, kDeadline),
                         doctest::Contains("worker process exited with status 7 and gave no result"), HookError);
}
