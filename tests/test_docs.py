"""README code blocks, docs pages and docstring examples are executed, so they stay true.

The API page is checked against the public modules' ``__all__``, and every install
command in README and the docs against what works (installing a clone).
"""

import doctest
import importlib
import os
import pkgutil
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import skembed

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def _modules():
    names = ["skembed"]
    for info in pkgutil.walk_packages(skembed.__path__, prefix="skembed."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def _public_modules():
    """skembed and its modules without a private (underscore) part in their name."""
    return [name for name in _modules()
            if not any(part.startswith("_") for part in name.split("."))]


def _public_names():
    """``module.name`` for every name in the ``__all__`` of every public module."""
    for module_name in _public_modules():
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if not name.startswith("__"):  # __version__
                yield f"{module_name}.{name}"


@pytest.mark.parametrize("index", range(len(_python_blocks(README.read_text(encoding="utf-8")))))
def test_readme_python_blocks_run(index):
    block = _python_blocks(README.read_text(encoding="utf-8"))[index]
    exec(compile(block, f"README.md block {index}", "exec"), {})


def test_readme_opens_with_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.DOTALL).group(1).splitlines()
    assert first_block[0] == "pip install . && python -m skembed demo"
    assert first_block[1] == 'pip install torch==2.13.0 ".[test,transformers]" && pytest'
    assert text.index("```bash") < text.index("## ")


def test_readme_and_docs_install_only_what_works():
    # skembed is not on PyPI: every install command installs the clone (".", ".[extra]")
    # or another package, never "skembed" by name.
    commands = []
    for page in [README, *sorted((ROOT / "docs").rglob("*.md"))]:
        for block in re.findall(r"```(?:bash|console|sh)\n(.*?)```", page.read_text("utf-8"),
                                flags=re.DOTALL):
            for line in block.splitlines():
                for command in re.split(r"&&|;", line.split("#")[0]):
                    words = shlex.split(command)
                    if words[:2] == ["pip", "install"]:
                        commands.append((page.name, words[2:]))
    assert ("README.md", ["."]) in commands
    assert ("getting-started.md", ["."]) in commands
    for page, arguments in commands:
        targets = [word for word in arguments if not word.startswith("-")]
        for target in targets:
            assert not re.match(r"skembed\b", target), f"{page}: pip install {target}"
            assert target.startswith(".") or "skembed" not in target, (page, target)


def test_api_page_documents_every_public_name():
    """Each public name has its own `::: module.name` entry, or its whole module has one."""
    directives = set(re.findall(r"^::: ([\w.]+)\s*$", (ROOT / "docs" / "api.md").read_text(
        encoding="utf-8"), flags=re.MULTILINE))
    names = list(_public_names())
    assert "skembed.datasets.load_wordnet_glosses" in names  # the walk reaches them
    missing = [name for name in names
               if name not in directives and name.rpartition(".")[0] not in
               directives - {"skembed"}]
    assert not missing, f"docs/api.md does not document {missing}"
    # ... and nothing that is not public any more.
    stale = [d for d in directives if d not in names and d not in _public_modules()]
    assert not stale, f"docs/api.md documents names that are not public: {stale}"


def test_api_page_renders_every_public_name(tmp_path):
    """Build the site: the API page has an anchor for every public name."""
    pytest.importorskip("mkdocstrings_handlers.python", reason="needs the docs extra")
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir",
                    str(site)], cwd=ROOT, check=True, capture_output=True, timeout=300,
                   env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    page = (site / "api" / "index.html").read_text(encoding="utf-8")
    anchors = set(re.findall(r'id="([\w.]+)"', page))
    missing = [name for name in _public_names() if name not in anchors]
    assert not missing, f"the API page renders no entry for {missing}"


@pytest.mark.parametrize("module_name", _modules())
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, module_name):
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} docstring example(s) failed in {module_name}"


DOCS = ROOT / "docs"
DOC_PAGES = sorted(p for p in DOCS.rglob("*.md") if _python_blocks(p.read_text(encoding="utf-8")))
# Pages whose examples train on the developers' shared corpus or read its evaluation
# files, reached as ../shared/data from the working folder.
NEEDS_SHARED = "../shared/data"


@pytest.mark.integration
@pytest.mark.parametrize("page", DOC_PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_docs_python_blocks_run(page, tmp_path, monkeypatch):
    """Run a page's Python blocks in order, in one namespace, in a scratch folder."""
    text = page.read_text(encoding="utf-8")
    if NEEDS_SHARED in text:
        from conftest import shared_data_dir

        shared = shared_data_dir()
        if not shared.is_dir():
            pytest.skip(f"{page.name} reads {NEEDS_SHARED}, and {shared} does not exist")
        (tmp_path / "shared").symlink_to(shared.parent, target_is_directory=True)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    namespace = {}
    for index, block in enumerate(_python_blocks(text)):
        exec(compile(block, f"{page.name} block {index}", "exec"), namespace)
    import matplotlib.pyplot as plt

    plt.close("all")
