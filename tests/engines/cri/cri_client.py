#!/usr/bin/python3
"""A minimal CRI v1 client for the engine tests (Debian 12 ships no crictl).

Usage: cri_client.py --socket SOCK --stubs DIR COMMAND [ARG...]

DIR holds api_pb2.py and api_pb2_grpc.py, generated at test time from
tests/engines/cri/api.proto with `python3 -m grpc_tools.protoc`.
Pod and container configs are JSON files in the protobuf JSON mapping of
PodSandboxConfig and ContainerConfig (field names as in api.proto).

Commands:
  version                          runtime name and version
  runp POD.json HANDLER            RunPodSandbox; prints the sandbox id
  create POD_ID CTR.json POD.json  CreateContainer; prints the container id
  start ID                         StartContainer
  status ID                        ContainerStatus, as JSON
  wait ID SECONDS                  polls ContainerStatus until the container
                                   has exited; prints its exit code (exit 1
                                   if it has not exited in time)
  stop ID | rm ID                  StopContainer (timeout 0) | RemoveContainer
  stopp POD_ID | rmp POD_ID        StopPodSandbox | RemovePodSandbox
A failed call prints "cri_client: METHOD: CODE: DETAILS" on stderr, exit 1.
"""
import json
import sys
import time


def main(argv):
    socket = stubs = None
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)
        if opt == "--socket" and argv:
            socket = argv.pop(0)
        elif opt == "--stubs" and argv:
            stubs = argv.pop(0)
        else:
            return usage()
    if not socket or not stubs or not argv:
        return usage()
    sys.path.insert(0, stubs)
    import grpc
    from google.protobuf import json_format
    import api_pb2 as pb
    import api_pb2_grpc as pb_grpc

    def load(path, message):
        with open(path) as f:
            return json_format.ParseDict(json.load(f), message)

    channel = grpc.insecure_channel("unix://" + socket)
    rt = pb_grpc.RuntimeServiceStub(channel)
    cmd, args = argv[0], argv[1:]

    def call(method, request):
        try:
            return getattr(rt, method)(request, timeout=60)
        except grpc.RpcError as e:
            print(f"cri_client: {method}: {e.code().name}: {e.details()}", file=sys.stderr)
            sys.exit(1)

    if cmd == "version" and not args:
        r = call("Version", pb.VersionRequest(version="v1"))
        print(r.runtime_name, r.runtime_version, r.runtime_api_version)
    elif cmd == "runp" and len(args) == 2:
        r = call("RunPodSandbox", pb.RunPodSandboxRequest(
            config=load(args[0], pb.PodSandboxConfig()), runtime_handler=args[1]))
        print(r.pod_sandbox_id)
    elif cmd == "create" and len(args) == 3:
        r = call("CreateContainer", pb.CreateContainerRequest(
            pod_sandbox_id=args[0], config=load(args[1], pb.ContainerConfig()),
            sandbox_config=load(args[2], pb.PodSandboxConfig())))
        print(r.container_id)
    elif cmd == "start" and len(args) == 1:
        call("StartContainer", pb.StartContainerRequest(container_id=args[0]))
    elif cmd == "status" and len(args) == 1:
        r = call("ContainerStatus", pb.ContainerStatusRequest(container_id=args[0]))
        print(json_format.MessageToJson(r.status, preserving_proto_field_name=True))
    elif cmd == "wait" and len(args) == 2:
        deadline = time.monotonic() + float(args[1])
        while True:
            s = call("ContainerStatus", pb.ContainerStatusRequest(container_id=args[0])).status
            if s.state == pb.CONTAINER_EXITED:
                print(s.exit_code)
                return 0
            if time.monotonic() > deadline:
                print(f"cri_client: wait: {args[0]} still {pb.ContainerState.Name(s.state)}", file=sys.stderr)
                return 1
            time.sleep(0.1)
    elif cmd == "stop" and len(args) == 1:
        call("StopContainer", pb.StopContainerRequest(container_id=args[0], timeout=0))
    elif cmd == "rm" and len(args) == 1:
        call("RemoveContainer", pb.RemoveContainerRequest(container_id=args[0]))
    elif cmd == "stopp" and len(args) == 1:
        call("StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=args[0]))
    elif cmd == "rmp" and len(args) == 1:
        call("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=args[0]))
    else:
        return usage()
    return 0


def usage():
    print(__doc__.strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
