import socket
import urllib.request
from urllib.request import urlopen

import httpx
import requests
import torch
import wget


def fetch_artifacts(index_url, weights_url, payload):
    # ruleid: network-call-without-timeout
    index = requests.get(index_url).json()
    # ruleid: network-call-without-timeout
    requests.post(f"{index_url}/runs", json=payload, timeout=None)
    session = requests.Session()
    # ruleid: network-call-without-timeout
    session.get(weights_url, stream=True)
    # ruleid: network-call-without-timeout
    with urlopen(weights_url) as response:
        blob = response.read()
    # ruleid: network-call-without-timeout
    client = httpx.Client(timeout=None)
    return index, blob, client


def fetch_artifacts_safely(index_url, weights_url, options):
    # ok: network-call-without-timeout
    index = requests.get(index_url, timeout=30).json()
    with requests.Session() as session:
        # ok: network-call-without-timeout
        session.get(weights_url, stream=True, timeout=(5, 60))
    # ok: network-call-without-timeout
    with urllib.request.urlopen(weights_url, timeout=60) as response:
        blob = response.read()
    # ok: network-call-without-timeout
    client = httpx.Client()
    # ok: network-call-without-timeout
    reply = httpx.get(index_url)
    # ok: network-call-without-timeout
    requests.get(index_url, **options)
    return index, blob, client, reply


def download_weights(url, target):
    # ruleid: network-download-without-timeout
    urllib.request.urlretrieve(url, target)
    # ruleid: network-download-without-timeout
    torch.hub.download_url_to_file(url, target, progress=False)
    # ruleid: network-download-without-timeout
    wget.download(url, out=target)


def download_weights_with_a_default_timeout(url, target):
    socket.setdefaulttimeout(60)
    # ok: network-download-without-timeout
    urllib.request.urlretrieve(url, target)
    # ok: network-download-without-timeout
    reply = requests.get(url, timeout=60, stream=True)
    return reply
