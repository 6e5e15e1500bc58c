/**
 * The `@etl/schemas/testing` subpath: builders of parsed totesys rows and of the star rows a
 * transform makes of them, for tests.
 */
export {
  makeAddress,
  makeCounterparty,
  makeCurrency,
  makeDepartment,
  makeDesign,
  makePayment,
  makePaymentType,
  makePurchaseOrder,
  makeSalesOrder,
  makeStaff,
  makeTransaction,
  thrownBy,
} from "./source-rows";
export { makeStarRows, type StarRows } from "./star-rows";
