import yaml


def read_config(path, text):
    with open(path) as handle:
        # ruleid: yaml-full-load
        config = yaml.full_load(handle)
    # ruleid: yaml-full-load
    config = yaml.load(text, Loader=yaml.FullLoader)
    # ruleid: yaml-full-load
    config = yaml.load(text, yaml.FullLoader)
    # ruleid: yaml-full-load
    docs = list(yaml.full_load_all(text))
    return config, docs


def read_config_safely(text):
    # ok: yaml-full-load
    config = yaml.safe_load(text)
    # ok: yaml-full-load
    config = yaml.load(text, Loader=yaml.SafeLoader)
    # ok: yaml-full-load
    docs = list(yaml.safe_load_all(text))
    return config, docs
