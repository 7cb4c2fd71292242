"""The anchor: the smallest honest ask-sdk-core skill that a DynamoDB-backed skill could be.

It pays what every such skill pays at cold start (the Python runtime, boto3 and ask-sdk-core
imports) and nothing else: one LaunchRequest handler, one catch-all exception handler, no state,
no knowledge. bench/run.py compares Speaker Helper against it, so ratios, not absolute
milliseconds, say whether the skill's own work is cheap enough.
"""
import boto3  # noqa: F401  (imported for its cold-start cost, as any DynamoDB-backed skill does)
from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_request_type

WELCOME = "Welcome to the anchor skill, which only says hello."


class HelloOnLaunch(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input):
        return (handler_input.response_builder
                .speak(WELCOME)
                .set_should_end_session(False)
                .response)


class AnswerAnyError(AbstractExceptionHandler):
    def can_handle(self, handler_input, exception):
        return True

    def handle(self, handler_input, exception):
        return handler_input.response_builder.speak("Sorry, I can only say hello.").response


_builder = SkillBuilder()
_builder.add_request_handler(HelloOnLaunch())
_builder.add_exception_handler(AnswerAnyError())
_lambda_entry = _builder.lambda_handler()


def handler(event, context):
    return _lambda_entry(event, context)
