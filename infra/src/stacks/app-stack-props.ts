import type { StackProps } from "aws-cdk-lib";
import type { Settings } from "../settings";
import type { StatefulStack } from "./stateful-stack";

/** What every app stack receives: the settings and the stateful resources it may use. */
export interface AppStackProps extends StackProps {
  settings: Settings;
  stateful: StatefulStack;
}
