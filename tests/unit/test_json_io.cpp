#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hook/error.hpp"
#include "oci/json_io.hpp"

using namespace oci;
using agenthook::HookError;

TEST_CASE("parse_object reports the byte offset and refuses non-objects") {
    try {
        parse_object(R"({"a": [1, 2)", "config.json");
        FAIL("expected HookError");
    } catch (const HookError& e) {
        std::string m = e.what();
        CHECK(m.rfind("parse JSON: config.json: byte 12: ", 0) == 0);
    }
    try {
        parse_object("[1]", "config.json");
        FAIL("expected HookError");
    } catch (const HookError& e) {
        CHECK(std::string(e.what()) == "parse JSON: config.json: expected a JSON object, got array");
    }
}

TEST_CASE("dump indents by 2 unless the indentation would pass kMaxIndentationBytes, then writes compact") {
    const Json small = Json::parse(R"({"a":[1,{"b":[],"c":{}},[[2]]],"d":{"e":"f"},"g":[]})");
    CHECK(dump(small) == small.dump(2) + "\n");
    // The count is exact: what nlohmann's indentation adds.
    for (const Json& doc : {small, Json::parse("[]"), Json::parse("7"), Json::parse(R"([{"x":[[[{"y":1}]]]},2,[]])")})
        CHECK(indentation_bytes(doc, SIZE_MAX) == doc.dump(2).size() - doc.dump().size());
    // 2,000 chains of 100 nested objects: about 20 MB of indentation for
    // 1.2 MB of compact JSON.
    Json chain = 1;
    for (int i = 0; i < 100; ++i) chain = Json{{"k", chain}};
    Json deep = Json::array();
    for (int i = 0; i < 2000; ++i) deep.push_back(chain);
    std::size_t extra = deep.dump(2).size() - deep.dump().size();
    REQUIRE(extra > kMaxIndentationBytes);
    CHECK(indentation_bytes(deep, SIZE_MAX) == extra);
    CHECK(indentation_bytes(deep, kMaxIndentationBytes) > kMaxIndentationBytes);
    CHECK(dump(deep) == deep.dump() + "\n");
    CHECK(Json::parse(dump(deep)) == deep);
}

namespace {
// A new directory under /tmp holding config.json with "old" in it.
std::filesystem::path dir_with_old_config() {
    char templ[] = "/tmp/oci-agent-hook-test-XXXXXX";
    REQUIRE(mkdtemp(templ) != nullptr);
    std::ofstream(std::filesystem::path(templ) / "config.json") << "old";
    return templ;
}
}  // namespace

TEST_CASE("write_file_atomic keeps mode, replaces by rename, leaves no temporary file, with or without fsync") {
    namespace fs = std::filesystem;
    for (Durability durability : {Durability::Durable, Durability::UntilReboot}) {
        CAPTURE(durability == Durability::Durable);
        fs::path dir = dir_with_old_config();
        fs::path file = dir / "config.json";
        REQUIRE(chmod(file.c_str(), 0640) == 0);
        struct stat before {};
        REQUIRE(stat(file.c_str(), &before) == 0);
        write_file_atomic(file, "new content\n", durability);
        std::ifstream in(file);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        CHECK(text == "new content\n");
        struct stat st {};
        REQUIRE(stat(file.c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0640);
        CHECK(st.st_ino != before.st_ino);  // a new file renamed over it, never rewritten in place
        CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
        CHECK_THROWS_AS(write_file_atomic(dir / "missing.json", "x", durability), HookError);
        CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
        write_or_create_file_atomic(dir / "new.json", "{}", 0600, durability);
        REQUIRE(stat((dir / "new.json").c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0600);
        CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 2);
        fs::remove_all(dir);
    }
}

TEST_CASE("read_fd_bounded: a pipe that never closes ends at the deadline, a closed one is read whole") {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    REQUIRE(write(fds[1], "{\"a\": 1}", 8) == 8);
    auto t0 = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH_AS(read_fd_bounded(fds[0], "state (stdin)", 1024, std::chrono::milliseconds(200)),
                         "read: state (stdin): no end of input within 200 ms (the writer never closed it)", HookError);
    auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited >= std::chrono::milliseconds(190));
    CHECK(waited < std::chrono::milliseconds(2000));
    close(fds[1]);
    CHECK(read_fd_bounded(fds[0], "state (stdin)", 1024, std::chrono::milliseconds(200)).empty());  // read before
    close(fds[0]);

    REQUIRE(pipe(fds) == 0);
    REQUIRE(write(fds[1], "123456", 6) == 6);
    close(fds[1]);
    CHECK_THROWS_WITH_AS(read_fd_bounded(fds[0], "in", 5, std::chrono::milliseconds(200)),
                         "read: in: larger than the 0 MiB limit", HookError);
    close(fds[0]);
}

TEST_CASE("write_file_atomic removes temporary files of killed writers, not of live ones") {
    namespace fs = std::filesystem;
    fs::path dir = dir_with_old_config();
    fs::path file = dir / "config.json";
    // A killed writer's leftover: nobody holds its lock.
    std::ofstream(dir / ".config.json.oci-agent-hook.4242.0") << "stale";
    // A live writer's: locked. And a file of another name.
    std::ofstream(dir / ".config.json.oci-agent-hook.4243.0") << "in use";
    std::ofstream(dir / ".other.json.oci-agent-hook.4244.0") << "not ours";
    int held = open((dir / ".config.json.oci-agent-hook.4243.0").c_str(), O_RDONLY);
    REQUIRE(held >= 0);
    REQUIRE(flock(held, LOCK_EX) == 0);

    write_file_atomic(file, "new\n");
    CHECK(!fs::exists(dir / ".config.json.oci-agent-hook.4242.0"));
    CHECK(fs::exists(dir / ".config.json.oci-agent-hook.4243.0"));
    CHECK(fs::exists(dir / ".other.json.oci-agent-hook.4244.0"));
    close(held);
    write_file_atomic(file, "newer\n");
    CHECK(!fs::exists(dir / ".config.json.oci-agent-hook.4243.0"));
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 2);
    fs::remove_all(dir);
}

TEST_CASE("member: finds or appends a key, and moves (never copies) the other members when the object grows") {
    oci::Json config = oci::parse_object(R"({"ociVersion":"1.0.2","mounts":[{"destination":"/proc"}],"linux":{}})", "c");
    auto& members = static_cast<oci::Json::object_t::Container&>(config.get_ref<oci::Json::object_t&>());
    members.shrink_to_fit();
    REQUIRE(members.size() == members.capacity());  // the next key makes it grow
    const auto* mounts_before = config["mounts"].get_ptr<const oci::Json::array_t*>();

    oci::Json& hooks = oci::member(config, "hooks");
    CHECK(hooks.is_null());
    hooks = oci::Json::object();
    // The same array, moved with its member: a copy (nlohmann's operator[]) allocates another.
    CHECK(config["mounts"].get_ptr<const oci::Json::array_t*>() == mounts_before);
    CHECK(config.dump() ==
          R"({"ociVersion":"1.0.2","mounts":[{"destination":"/proc"}],"linux":{},"hooks":{}})");
    // An existing key: the same value, nothing added.
    CHECK(&oci::member(config, "linux") == &config["linux"]);
    CHECK(config.size() == 4);
    oci::Json not_object = oci::Json::array();
    CHECK_THROWS(oci::member(not_object, "x"));
}
