"""Find the app a setting names, spelled as gunicorn spells it: "package.module:name" (an app
object), "package.module:factory()" (called once per server process, literal arguments allowed);
without ":name", gunicorn's default name `application`."""

import ast
import importlib

from servicehost.settings import SettingError


def load(spec, setting="APP"):
    """The object `spec` names; a SettingError (one sentence, naming `setting`) when it cannot."""
    module_name, _, expression = spec.strip().partition(":")
    expression = expression.strip() or "application"
    spelled = 'spell it "package.module:app" or "package.module:factory()"'
    try:
        tree = ast.parse(expression, mode="eval").body
    except SyntaxError:
        raise SettingError(f"{setting} is {spec!r}, which is not module:name: {spelled}.") from None
    call = tree if isinstance(tree, ast.Call) else None
    name = call.func if call else tree
    try:
        path = ast.unparse(name).split(".")
        if not all(part.isidentifier() for part in path):
            raise ValueError
        args = [ast.literal_eval(arg) for arg in call.args] if call else []
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords} if call else {}
    except ValueError:
        raise SettingError(
            f"{setting} is {spec!r}: {spelled}, with literal arguments only."
        ) from None
    if not module_name or not all(part.isidentifier() for part in module_name.split(".")):
        raise SettingError(f"{setting} is {spec!r}, which names no module: {spelled}.")
    try:
        target = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name or module_name.startswith(f"{error.name}."):
            raise SettingError(
                f"{setting} is {spec!r}, but there is no module {error.name!r}: put the package"
                " under src/ and set [tool.servicehost] in pyproject.toml to it."
            ) from None
        raise
    for part in path:
        try:
            target = getattr(target, part)
        except AttributeError:
            raise SettingError(
                f"{setting} is {spec!r}, but {module_name} has no {'.'.join(path)!r}."
            ) from None
    if call:
        target = target(*args, **kwargs)
    return target
