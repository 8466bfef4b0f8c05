// Package entry of @foobar/secured-web-stack.
export { SecuredWebStack, TYPE_TOKEN } from "./securedWebStack";
export * from "./types";
export { buildModel, Model, Role, Ports, ServerModel, SecuredWebStackArgsError } from "./model";
export { Flow, Endpoint } from "./flows";
export { renderStack, RenderedStack, RenderedServer } from "./render";
export { estimateMonthlyCost } from "./aws/cost";
