# tracked: configurator.py
# ("# todook:" marks a line Semgrep matches and the AST post-analysis accepts.)
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
    value = config["width"]
    # todook: eval-exec-non-literal
    width = eval(value) if value.isnumeric() else value
    if value.isdigit():
        # todook: eval-exec-non-literal
        width = eval(value)
    # todook: eval-exec-non-literal
    exec(open("configurator.py").read())
    return milestones, one, width


def run_user_config(value):
    # ruleid: eval-exec-non-literal
    exec(open("user_config.py").read())
    # ruleid: eval-exec-non-literal
    result = value if value.isnumeric() else eval(value)
    return result


def build_activation(name="nn.ReLU"):
    # ruleid: eval-exec-non-literal
    return eval(name)()


def build_from_config(config):
    # a value from data reaches the eval above: its literal default does not make it fixed
    return build_activation(config["activation"])
