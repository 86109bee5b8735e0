/** Activities: the booking services of a trip, each with the call that undoes it. */
import { ApplicationFailure } from '@kairos/activity';

export interface Trip {
  traveller: string;
  destination: string;
}

export async function bookCar(trip: Trip): Promise<string> {
  return `car for ${trip.traveller} in ${trip.destination}`;
}

export async function bookHotel(trip: Trip): Promise<string> {
  return `hotel for ${trip.traveller} in ${trip.destination}`;
}

/** Flights to Atlantis are always full: a failure no retry will change. */
export async function bookFlight(trip: Trip): Promise<string> {
  if (trip.destination === 'Atlantis') {
    throw ApplicationFailure.nonRetryable(`no seats left to ${trip.destination}`, 'NoSeats');
  }
  return `flight for ${trip.traveller} to ${trip.destination}`;
}

export async function cancelCar(trip: Trip): Promise<string> {
  return `cancelled the car for ${trip.traveller}`;
}

export async function cancelHotel(trip: Trip): Promise<string> {
  return `cancelled the hotel for ${trip.traveller}`;
}
