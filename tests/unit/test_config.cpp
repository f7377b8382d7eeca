#include <doctest/doctest.h>

#include "hook/error.hpp"
#include "oci/config.hpp"
#include "oci/state.hpp"

using namespace oci;
using agenthook::HookError;

namespace {
std::string validate_error(const std::string& text) {
    try {
        validate_config(Json::parse(text), "config.json");
    } catch (const HookError& e) {
        return e.what();
    }
    return "";
}
std::string state_error(const std::string& text) {
    try {
        parse_state(Json::parse(text), "state");
    } catch (const HookError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("validate_config names the JSON path") {
    CHECK(validate_error(R"({})") == "");
    CHECK(validate_error(R"({"mounts":[]})") == "");
    CHECK(validate_error(R"({"mounts":{}})") == "validate config: config.json: mounts: expected array, got object");
    CHECK(validate_error(R"({"mounts":[1]})") == "validate config: config.json: mounts[0]: expected object, got number");
    CHECK(validate_error(R"({"mounts":[{"destination":"/a"},{"type":"bind"}]})") ==
          "validate config: config.json: mounts[1].destination: missing");
    CHECK(validate_error(R"({"mounts":[{"destination":5}]})") ==
          "validate config: config.json: mounts[0].destination: expected string, got number");
    CHECK(validate_error(R"({"mounts":[{"destination":""}]})") == "validate config: config.json: mounts[0].destination: empty");
    CHECK(validate_error(R"({"mounts":[{"destination":"/a","options":"rw"}]})") ==
          "validate config: config.json: mounts[0].options: expected array, got string");
    CHECK(validate_error(R"({"root":"rootfs"})") == "validate config: config.json: root: expected object, got string");
    CHECK(validate_error(R"({"root":{"path":1}})") == "validate config: config.json: root.path: expected string, got number");
    CHECK(validate_error(R"({"annotations":[]})") == "validate config: config.json: annotations: expected object, got array");
    CHECK(validate_error(R"({"linux":{"uidMappings":[{"containerID":0,"hostID":-1,"size":1}]}})") ==
          "validate config: config.json: linux.uidMappings[0].hostID: expected an id (integer 0..4294967295)");
}

TEST_CASE("id mappings") {
    Json c = Json::parse(R"({"linux":{"namespaces":[{"type":"pid"},{"type":"user"}],
        "uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
        "gidMappings":[{"containerID":0,"hostID":200000,"size":1000},{"containerID":1000,"hostID":300000,"size":1}]}})");
    CHECK(has_user_namespace(c));
    CHECK(map_to_host(uid_mappings(c), 0) == 100000u);
    CHECK(map_to_host(uid_mappings(c), 1000) == 101000u);
    CHECK(map_to_host(uid_mappings(c), 65535) == 165535u);
    CHECK_FALSE(map_to_host(uid_mappings(c), 65536).has_value());
    CHECK(map_to_host(gid_mappings(c), 999) == 200999u);
    CHECK(map_to_host(gid_mappings(c), 1000) == 300000u);
    CHECK_FALSE(map_to_host(gid_mappings(c), 1001).has_value());
    CHECK_FALSE(has_user_namespace(Json::parse(R"({"linux":{"namespaces":[{"type":"mount"}]}})")));
}

TEST_CASE("config accessors") {
    Json c = Json::parse(R"({"root":{"path":"rootfs"},"annotations":{"a":"b","n":1},
        "linux":{"mountLabel":"system_u:object_r:container_file_t:s0","resources":{"memory":{"limit":1048576}}}})");
    CHECK(root_path(c) == "rootfs");
    CHECK(annotation(c, "a") == "b");
    CHECK_FALSE(annotation(c, "n").has_value());
    CHECK_FALSE(annotation(c, "missing").has_value());
    CHECK(memory_limit(c) == 1048576u);
    CHECK(mount_label(c) == "system_u:object_r:container_file_t:s0");
    CHECK_FALSE(memory_limit(Json::parse(R"({"linux":{"resources":{"memory":{"limit":-1}}}})")).has_value());
}

TEST_CASE("process_uid: process.user.uid when a uid can hold it") {
    auto uid = [](const char* text) { return process_uid(Json::parse(text)); };
    CHECK(uid(R"({"process":{"user":{"uid":1000,"gid":1000}}})") == std::optional<uint32_t>(1000));
    CHECK(uid(R"({"process":{"user":{"uid":0}}})") == std::optional<uint32_t>(0));
    CHECK(uid(R"({"process":{"user":{"uid":4294967294}}})") == std::optional<uint32_t>(4294967294u));
    CHECK_FALSE(uid(R"({"process":{"user":{"uid":4294967295}}})"));
    CHECK_FALSE(uid(R"({"process":{"user":{"uid":-1}}})"));
    CHECK_FALSE(uid(R"({"process":{"user":{"uid":"1000"}}})"));
    CHECK_FALSE(uid(R"({"process":{"user":{}}})"));
    CHECK_FALSE(uid(R"({"process":{"user":3}})"));
    CHECK_FALSE(uid(R"({})"));
}

TEST_CASE("parse_state") {
    State s = parse_state(Json::parse(R"({"ociVersion":"1.0.2","id":"c1","status":"creating","pid":4242,
        "bundle":"/var/lib/b","annotations":{"k":"v"},"root":"/var/lib/b/rootfs"})"), "state");
    CHECK(s.id == "c1");
    CHECK(s.pid == 4242);
    CHECK(s.bundle == "/var/lib/b");
    CHECK(s.annotations["k"] == "v");
    CHECK(state_error(R"({"pid":1})") == "parse state: state: bundle: missing");
    CHECK(state_error(R"({"bundle":"/b"})") == "parse state: state: pid: missing");
    CHECK(state_error(R"({"bundle":"/b","pid":"12"})") == "parse state: state: pid: expected a process id, got \"12\"");
    CHECK(state_error(R"({"bundle":"/b","pid":-3})") == "parse state: state: pid: expected a process id, got -3");
    CHECK(state_error(R"({"bundle":"b","pid":3})") == "parse state: state: bundle: must be an absolute path, got \"b\"");
    CHECK(state_error(R"({"bundle":7,"pid":3})") == "parse state: state: bundle: expected string, got number");
}
