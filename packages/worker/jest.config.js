module.exports = {
  ...require('../../jest.preset.js'),
  // A test that times out can leave its worker polling (native threads keep the event loop alive): exit once the
  // run is over, so a failure is reported instead of hanging CI. Passing runs exit on their own.
  forceExit: true,
};
