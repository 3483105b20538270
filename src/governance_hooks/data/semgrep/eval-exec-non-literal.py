import ast
import builtins


def build_scheduler(config, optimizer, hook_source):
    # ruleid: eval-exec-non-literal
    factory = eval(config["scheduler"])
    # ruleid: eval-exec-non-literal
    lr_lambda = eval("lambda epoch: " + config["lr_expr"])
    # ruleid: eval-exec-non-literal
    exec(hook_source, {"optimizer": optimizer})
    # ruleid: eval-exec-non-literal
    builtins.eval(f"{config['activation']}()")
    return factory(optimizer, lr_lambda)


def build_scheduler_safely(model, config):
    # ok: eval-exec-non-literal
    model.eval()
    # ok: eval-exec-non-literal
    milestones = ast.literal_eval(config["milestones"])
    # ok: eval-exec-non-literal
    one = eval("1 + 0")
    # ok: eval-exec-non-literal
    exec("import math")
    return milestones, one
