import os
import shlex
import subprocess
from subprocess import check_output


def sync_dataset(bucket, run_name, extra_flags):
    # ruleid: shell-command-non-literal
    subprocess.run(f"aws s3 sync s3://{bucket}/data data/", shell=True, check=True)
    # ruleid: shell-command-non-literal
    subprocess.Popen("tar czf " + run_name + ".tgz outputs/", shell=True)
    # ruleid: shell-command-non-literal
    check_output("nvidia-smi {}".format(extra_flags), shell=True)
    # ruleid: shell-command-non-literal
    os.system("rm -rf /tmp/" + run_name)
    # ruleid: shell-command-non-literal
    subprocess.call(args=extra_flags, shell=True)
    # ruleid: shell-command-non-literal
    subprocess.run([f"du -sh {run_name}"], shell=True)


def sync_dataset_safely(bucket, run_name):
    # ok: shell-command-non-literal
    subprocess.run(["aws", "s3", "sync", f"s3://{bucket}/data", "data/"], check=True)
    # ok: shell-command-non-literal
    subprocess.run("nvidia-smi --query-gpu=name --format=csv", shell=True, check=True)
    command = "git rev-parse HEAD"
    # ok: shell-command-non-literal
    subprocess.check_output(command, shell=True)
    # ok: shell-command-non-literal
    subprocess.run(f"tar czf {shlex.quote(run_name)}.tgz outputs/", shell=False)
    # ok: shell-command-non-literal
    os.system("nproc")
    # ok: shell-command-non-literal
    subprocess.run(["nvidia-smi -L"], shell=True, check=True)
    # ok: shell-command-non-literal
    subprocess.check_call(["git", "status"], shell=True)
