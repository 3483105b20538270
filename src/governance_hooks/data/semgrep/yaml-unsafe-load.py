# ("# todook:" marks a line Semgrep matches and the AST post-analysis accepts.)
import yaml
from yaml import CSafeLoader, SafeLoader


def read_config(path, text):
    with open(path) as handle:
        # ruleid: yaml-unsafe-load
        config = yaml.load(handle)
    # ruleid: yaml-unsafe-load
    config = yaml.load(text, Loader=yaml.Loader)
    # ok: yaml-unsafe-load
    config = yaml.load(text, yaml.FullLoader)
    # ruleid: yaml-unsafe-load
    docs = list(yaml.load_all(text, Loader=yaml.UnsafeLoader))
    # ruleid: yaml-unsafe-load
    config = yaml.unsafe_load(text)
    # ok: yaml-unsafe-load
    config = yaml.full_load(text)
    # ruleid: yaml-unsafe-load
    config = yaml.load(text, Loader=yaml.UnsafeLoader)
    return config, docs


def check_roundtrip(config):
    dumped = yaml.dump(config)
    # todook: yaml-unsafe-load
    return yaml.unsafe_load(dumped)


def read_config_safely(path, text):
    with open(path) as handle:
        # ok: yaml-unsafe-load
        config = yaml.safe_load(handle)
    # ok: yaml-unsafe-load
    config = yaml.load(text, Loader=yaml.SafeLoader)
    # ok: yaml-unsafe-load
    config = yaml.load(text, Loader=CSafeLoader)
    # ok: yaml-unsafe-load
    docs = list(yaml.load_all(text, SafeLoader))
    # ok: yaml-unsafe-load
    config = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return config, docs


def load_with_full_loader_from_its_module(path):
    from yaml.loader import FullLoader

    with open(path) as handle:
        # ok: yaml-unsafe-load
        return yaml.load(handle, FullLoader)
