"""README code blocks and docstring examples are executed, so they stay true."""

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import skembed

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def _modules():
    names = ["skembed"]
    for info in pkgutil.walk_packages(skembed.__path__, prefix="skembed."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


@pytest.mark.parametrize("index", range(len(_python_blocks(README.read_text(encoding="utf-8")))))
def test_readme_python_blocks_run(index):
    block = _python_blocks(README.read_text(encoding="utf-8"))[index]
    exec(compile(block, f"README.md block {index}", "exec"), {})


def test_readme_opens_with_the_two_setup_commands():
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.DOTALL).group(1).splitlines()
    assert first_block[0] == "pip install . && python -m skembed demo"
    assert first_block[1] == 'pip install ".[test]" && pytest'
    assert text.index("```bash") < text.index("## ")


@pytest.mark.parametrize("module_name", _modules())
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, module_name):
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} docstring example(s) failed in {module_name}"


DOCS = Path(__file__).resolve().parents[1] / "docs"
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
