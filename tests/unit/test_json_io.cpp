#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

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

TEST_CASE("read_bounded refuses more than the limit") {
    std::istringstream small("12345");
    CHECK(read_bounded(small, "in", 5) == "12345");
    std::istringstream big("123456");
    CHECK_THROWS_WITH_AS(read_bounded(big, "in", 5), "read: in: larger than the 0 MiB limit", HookError);
}

TEST_CASE("write_file_atomic keeps mode, leaves no temporary file") {
    namespace fs = std::filesystem;
    char templ[] = "/tmp/oci-agent-hook-test-XXXXXX";
    REQUIRE(mkdtemp(templ) != nullptr);
    fs::path dir = templ;
    fs::path file = dir / "config.json";
    std::ofstream(file) << "old";
    REQUIRE(chmod(file.c_str(), 0640) == 0);
    write_file_atomic(file, "new content\n");
    std::ifstream in(file);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    CHECK(text == "new content\n");
    struct stat st {};
    REQUIRE(stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0640);
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
    CHECK_THROWS_AS(write_file_atomic(dir / "missing.json", "x"), HookError);
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
    fs::remove_all(dir);
}
